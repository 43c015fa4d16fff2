import { eventStores } from "@tessera/eventstore";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { registerMailCatcher } from "./app/register-mail-catcher.ts";
import type { OutboundConfig } from "./config.ts";
import * as createCaughtMails from "./infra/migrations/2026_12_01_9001_create_caught_mails.ts";

/** The `outbound` service (messages through draft, approval and send): schema, streams and ping so far; its operations come next. */
export function outboundService(config: OutboundConfig): ServiceDefinition {
  return {
    service: "outbound",
    stores: eventStores({ schema: "outbound" }),
    migrations: { "2026_12_01_9001_create_caught_mails": createCaughtMails },
    publishes: [],
    register: async (runtime) => {
      await registerMailCatcher(runtime, config);
    },
  };
}

export function startOutboundService(config: OutboundConfig): Promise<RunningService> {
  return startService(outboundService(config), config);
}
