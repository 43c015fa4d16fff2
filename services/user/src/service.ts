import { profileCreated, userGetMe } from "@tessera/contracts";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { getMe } from "./app/get-me.ts";
import { ON_ACCOUNT_REGISTERED, onAccountRegistered, USER_SCHEMA } from "./app/on-account-registered.ts";
import type { UserConfig } from "./config.ts";
import * as createProfiles from "./infra/migrations/2026_11_21_0001_create_profiles.ts";
import type { UserDb } from "./infra/tables.ts";

/** The `user` service: profiles fed by auth events, read by `svc.user.me.get`. */
export function userService(): ServiceDefinition<UserDb> {
  return {
    service: "user",
    schema: USER_SCHEMA,
    migrations: { "2026_11_21_0001_create_profiles": createProfiles },
    publishes: [profileCreated],
    async register({ db, bus, consume, onStop }) {
      bus.serve(userGetMe, getMe({ db }));
      const consumption = await consume({
        name: ON_ACCOUNT_REGISTERED,
        stream: "auth",
        filterSubjects: ["evt.auth.account.registered"],
        handler: onAccountRegistered({ db, clock: () => new Date() }),
      });
      onStop("account consumer", () => consumption.stop());
    },
  };
}

export function startUserService(config: UserConfig): Promise<RunningService<UserDb>> {
  return startService(userService(), config);
}
