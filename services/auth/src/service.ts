import {
  AUTH_EVENTS,
  accountsGet,
  accountsRegister,
  emailVerify,
  jwksGet,
  oauthCallback,
  oauthLink,
  oauthProvidersList,
  oauthStart,
  passwordChange,
  passwordForgot,
  passwordReset,
  sessionsList,
  sessionsLogin,
  sessionsLogout,
  sessionsRefresh,
  sessionsRevoke,
  signingKeysRotate,
  usersErase,
} from "@tessera/contracts";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { changePassword } from "./app/change-password.ts";
import { startAuthDeps } from "./app/deps.ts";
import { forgotPassword } from "./app/forgot-password.ts";
import { getAccount } from "./app/get-account.ts";
import { listSessions } from "./app/list-sessions.ts";
import { login } from "./app/login.ts";
import { logout } from "./app/logout.ts";
import { finishOAuth } from "./app/oauth-callback.ts";
import { linkOAuth, listProviders, startOAuth } from "./app/oauth-start.ts";
import { ON_IDENTITY_CHANGED, onIdentityChanged } from "./app/on-identity-changed.ts";
import { ON_USER_ERASED, onUserErased } from "./app/on-user-erased.ts";
import { refresh } from "./app/refresh.ts";
import { register } from "./app/register.ts";
import { resetPassword } from "./app/reset-password.ts";
import { revokeOwnSession } from "./app/revoke-session.ts";
import { rotateSigningKeyOnRequest } from "./app/rotate-signing-key.ts";
import { verifyEmail } from "./app/verify-email.ts";
import { type AuthConfig, authSettings } from "./config.ts";
import { authReadModel, authStores } from "./infra/auth-store.ts";
import * as createReadModels from "./infra/migrations/2026_11_21_0001_create_read_models.ts";
import * as sessionsLinksThrottle from "./infra/migrations/2026_11_22_0001_sessions_links_throttle.ts";
import * as oauthIdentitiesErasure from "./infra/migrations/2026_11_22_0002_oauth_identities_erasure.ts";
import type { AuthDb } from "./infra/tables.ts";

export interface AuthServiceOptions {
  /** The service's clock. @default () => new Date() */
  clock?: () => Date;
}

/** The `auth` service: its schema, its migrations, and every operation it answers, in one place. */
export function authService(config: AuthConfig, options: AuthServiceOptions = {}): ServiceDefinition<AuthDb> {
  const clock = options.clock ?? (() => new Date());
  return {
    service: "auth",
    // The store seals personal fields (emails, names, password hashes, provider identities) under the account's key.
    stores: authStores,
    migrations: {
      "2026_11_21_0001_create_read_models": createReadModels,
      "2026_11_22_0001_sessions_links_throttle": sessionsLinksThrottle,
      "2026_11_22_0002_oauth_identities_erasure": oauthIdentitiesErasure,
    },
    publishes: AUTH_EVENTS,
    projections: [authReadModel],
    async register(runtime) {
      const { bus } = runtime;
      const deps = await startAuthDeps(runtime, config, authSettings(config), clock);

      bus.serve(accountsRegister, register(deps));
      bus.serve(accountsGet, getAccount(deps));
      bus.serve(sessionsLogin, login(deps));
      bus.serve(sessionsRefresh, refresh(deps));
      bus.serve(sessionsLogout, logout(deps));
      bus.serve(sessionsList, listSessions(deps));
      bus.serve(sessionsRevoke, revokeOwnSession(deps));
      bus.serve(passwordChange, changePassword(deps));
      bus.serve(passwordForgot, forgotPassword(deps));
      bus.serve(passwordReset, resetPassword(deps));
      bus.serve(emailVerify, verifyEmail(deps));
      bus.serve(jwksGet, async () => deps.signingKeys.jwks());
      bus.serve(signingKeysRotate, rotateSigningKeyOnRequest(deps));
      bus.serve(oauthProvidersList, listProviders(deps));
      bus.serve(oauthStart, startOAuth(deps));
      bus.serve(oauthLink, linkOAuth(deps));
      bus.serve(oauthCallback, finishOAuth(deps));

      // Every other service needs auth, so auth never waits for them at start.
      runtime.consumeInBackground({
        name: ON_USER_ERASED,
        stream: "user",
        filterSubjects: ["evt.user.user.erased"],
        handler: onUserErased(deps),
      });
      runtime.consumeInBackground({
        name: ON_IDENTITY_CHANGED,
        stream: "ingestion",
        filterSubjects: ["evt.ingestion.identity.changed"],
        handler: onIdentityChanged({
          ...deps,
          logger: runtime.logger,
          eraseUser: async (userId, ctx) => {
            await bus.request(usersErase, { userId }, ctx);
          },
        }),
      });
    },
  };
}

export function startAuthService(
  config: AuthConfig,
  options: AuthServiceOptions = {},
): Promise<RunningService<AuthDb>> {
  return startService(authService(config, options), config);
}
