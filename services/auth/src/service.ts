import { accountRegistered, authJwks, authLogin, authRegister, sessionStarted } from "@tessera/contracts";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { login } from "./app/login.ts";
import { register } from "./app/register.ts";
import { shareJwks } from "./app/share-jwks.ts";
import type { AuthConfig } from "./config.ts";
import * as createReadModels from "./infra/migrations/2026_11_21_0001_create_read_models.ts";
import { createPasswordHasher } from "./infra/passwords.ts";
import { ensureSigningKey, loadPublicJwks } from "./infra/signing-keys.ts";
import type { AuthDb } from "./infra/tables.ts";

/** The `auth` service: its schema, its migrations, and every operation it answers, in one place. */
export function authService(config: AuthConfig): ServiceDefinition<AuthDb> {
  return {
    service: "auth",
    schema: "auth",
    migrations: { "2026_11_21_0001_create_read_models": createReadModels },
    publishes: [accountRegistered, sessionStarted],
    async register({ db, bus, store }) {
      const signingKey = await ensureSigningKey(db);
      const ttlMs = config.ACCESS_TOKEN_TTL_SECONDS * 1000;
      const jwks = await loadPublicJwks(db, ttlMs);
      await shareJwks(bus, jwks);
      const hasher = await createPasswordHasher();
      const sessions = {
        store,
        signingKey: () => signingKey,
        tokens: {
          issuer: config.AUTH_ISSUER,
          audience: config.AUTH_AUDIENCE,
          ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
        },
        refreshLifetimeMs: config.REFRESH_TOKEN_TTL_DAYS * 24 * 60 * 60 * 1000,
        clock: () => new Date(),
      };
      bus.serve(authRegister, register({ ...sessions, hasher }));
      bus.serve(authLogin, login({ ...sessions, hasher, db }));
      bus.serve(authJwks, async () => loadPublicJwks(db, ttlMs));
    },
  };
}

export function startAuthService(config: AuthConfig): Promise<RunningService<AuthDb>> {
  return startService(authService(config), config);
}
