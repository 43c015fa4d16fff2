import {
  AUTH_EVENTS,
  accountsGet,
  accountsRegister,
  emailVerify,
  jwksGet,
  OAUTH_FLOW_TTL_SECONDS,
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
} from "@tessera/contracts";
import { startAsyncProjection } from "@tessera/eventstore";
import { type Logger, type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { backgroundTasks } from "./app/background.ts";
import { changePassword } from "./app/change-password.ts";
import { forgotPassword } from "./app/forgot-password.ts";
import { getAccount } from "./app/get-account.ts";
import { listSessions } from "./app/list-sessions.ts";
import { login } from "./app/login.ts";
import { loginThrottle } from "./app/login-throttle.ts";
import { logout } from "./app/logout.ts";
import { finishOAuth } from "./app/oauth-callback.ts";
import { linkOAuth, listProviders, startOAuth } from "./app/oauth-start.ts";
import { ON_USER_ERASED, onUserErased } from "./app/on-user-erased.ts";
import { refresh } from "./app/refresh.ts";
import { register } from "./app/register.ts";
import { resetPassword } from "./app/reset-password.ts";
import { revokeOwnSession } from "./app/revoke-session.ts";
import { createSigningKeyRing } from "./app/signing-key-ring.ts";
import { verifyEmail } from "./app/verify-email.ts";
import type { AuthConfig } from "./config.ts";
import { type AesKeyRing, ephemeralAesKey, keyRing, parseAesKeyRing } from "./infra/aes-gcm.ts";
import { AUTH_SCHEMA, authStores } from "./infra/auth-store.ts";
import { loadCommonPasswords } from "./infra/common-passwords.ts";
import { ephemeralLinkTokenKey, parseLinkTokenKey } from "./infra/link-tokens.ts";
import * as createReadModels from "./infra/migrations/2026_11_21_0001_create_read_models.ts";
import * as sessionsLinksThrottle from "./infra/migrations/2026_11_22_0001_sessions_links_throttle.ts";
import * as oauthIdentitiesErasure from "./infra/migrations/2026_11_22_0002_oauth_identities_erasure.ts";
import { createOAuthClients } from "./infra/oauth-clients.ts";
import { createPasswordHasher } from "./infra/passwords.ts";
import { openRevokedSessionsKv, revokedSessionsProjection } from "./infra/revoked-sessions.ts";
import type { AuthDb } from "./infra/tables.ts";
import { throttleRules } from "./throttle-rules.ts";

const SECOND = 1000;
const DAY = 24 * 60 * 60 * SECOND;
/** Slack over the access-token lifetime for clocks and the gateway's 5 s tolerance. */
const CLOCK_SLACK_MS = 60 * SECOND;
/** How often forgotten login-failure counts are deleted. */
const PRUNE_EVERY_MS = 10 * 60 * SECOND;

export interface AuthServiceOptions {
  /** The service's clock. @default () => new Date() */
  clock?: () => Date;
}

/** The `auth` service: its schema, its migrations, and every operation it answers, in one place. */
export function authService(config: AuthConfig, options: AuthServiceOptions = {}): ServiceDefinition<AuthDb> {
  const clock = options.clock ?? (() => new Date());
  return {
    service: "auth",
    stores: authStores,
    migrations: {
      "2026_11_21_0001_create_read_models": createReadModels,
      "2026_11_22_0001_sessions_links_throttle": sessionsLinksThrottle,
      "2026_11_22_0002_oauth_identities_erasure": oauthIdentitiesErasure,
    },
    publishes: AUTH_EVENTS,
    async register(runtime) {
      // The store seals personal fields (emails, password hashes, provider identities) under the account's key.
      const { db, bus, store, logger, appended, consumeInBackground, onStop } = runtime;
      const accessTtlMs = config.ACCESS_TOKEN_TTL_SECONDS * SECOND;
      const checkMs = config.AUTH_SIGNING_KEY_CHECK_SECONDS * SECOND;
      const keys = await createSigningKeyRing({
        db,
        bus,
        logger,
        clock,
        maxAgeMs: config.AUTH_SIGNING_KEY_MAX_AGE_HOURS * 60 * 60 * SECOND,
        // Two checks: every replica has shared the new key before any replica signs with it.
        publishAheadMs: 2 * checkMs,
        // The old key signs until its successor is ready, and up to one check longer on a slow replica.
        retainRetiredMs: accessTtlMs + 3 * checkMs + CLOCK_SLACK_MS,
      });
      onStop("signing key checks", keys.start(checkMs));

      const revoked = await openRevokedSessionsKv(bus, accessTtlMs + CLOCK_SLACK_MS);
      const revocations = startAsyncProjection({
        db,
        // Session events only: they carry no sealed fields, so nothing to reveal.
        schema: AUTH_SCHEMA,
        projection: revokedSessionsProjection(revoked),
        logger,
        appended,
        pollMs: 50,
      });
      onStop("revoked sessions feed", () => revocations.stop());

      if (!config.AUTH_LINK_TOKEN_KEY) {
        logger.warn(
          "AUTH_LINK_TOKEN_KEY is not set: link tokens are encrypted under a random key for this process",
        );
      }
      const linkKey = config.AUTH_LINK_TOKEN_KEY
        ? parseLinkTokenKey(config.AUTH_LINK_TOKEN_KEY)
        : ephemeralLinkTokenKey();
      const background = backgroundTasks(logger);
      onStop("background tasks", () => background.settled());

      const hasher = await createPasswordHasher();
      const commonPasswords = await loadCommonPasswords();
      const sessions = {
        store,
        signingKey: () => keys.current(),
        tokens: {
          issuer: config.AUTH_ISSUER,
          audience: config.AUTH_AUDIENCE,
          ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
        },
        refreshLifetimeMs: config.REFRESH_TOKEN_TTL_DAYS * DAY,
        refreshIdleMs: config.REFRESH_TOKEN_IDLE_DAYS * DAY,
        clock,
      };
      const passwords = { hasher, commonPasswords };
      const throttle = loginThrottle({ db, rules: throttleRules(config), clock });
      const pruning = setInterval(() => {
        throttle
          .prune()
          .catch((error: unknown) => logger.error({ err: error }, "pruning login failures failed"));
      }, PRUNE_EVERY_MS);
      pruning.unref();
      onStop("login failure pruning", async () => clearInterval(pruning));

      bus.serve(
        accountsRegister,
        register({
          ...sessions,
          ...passwords,
          linkKey,
          verificationTtlMs: config.EMAIL_VERIFICATION_TTL_HOURS * 3_600_000,
        }),
      );
      bus.serve(accountsGet, getAccount({ db }));
      bus.serve(sessionsLogin, login({ ...sessions, hasher, db, throttle }));
      bus.serve(sessionsRefresh, refresh({ ...sessions, db }));
      bus.serve(sessionsLogout, logout({ store, clock, db }));
      bus.serve(sessionsList, listSessions({ db, refreshIdleMs: sessions.refreshIdleMs, clock }));
      bus.serve(sessionsRevoke, revokeOwnSession({ store, clock }));
      bus.serve(passwordChange, changePassword({ clock, db, ...passwords }));
      bus.serve(
        passwordForgot,
        forgotPassword({
          db,
          store,
          linkKey,
          resetTtlMs: config.PASSWORD_RESET_TTL_MINUTES * 60_000,
          clock,
          background,
        }),
      );
      bus.serve(passwordReset, resetPassword({ clock, db, ...passwords }));
      bus.serve(emailVerify, verifyEmail({ db, store, clock }));
      bus.serve(jwksGet, async () => keys.jwks());

      const oauth = {
        clients: createOAuthClients(config.OAUTH_PROVIDERS, config.OAUTH_REDIRECT_BASE_URL),
        flowKeys: keysOrEphemeral(config.OAUTH_STATE_KEYS, "OAUTH_STATE_KEYS", logger),
        flowTtlMs: OAUTH_FLOW_TTL_SECONDS * SECOND,
        clock,
      };
      bus.serve(oauthProvidersList, listProviders(oauth));
      bus.serve(oauthStart, startOAuth(oauth));
      bus.serve(oauthLink, linkOAuth({ ...oauth, db }));
      bus.serve(
        oauthCallback,
        finishOAuth({
          ...sessions,
          ...oauth,
          db,
          tokenKeys: keysOrEphemeral(config.OAUTH_TOKEN_KEYS, "OAUTH_TOKEN_KEYS", logger),
          linkKey,
          verificationTtlMs: config.EMAIL_VERIFICATION_TTL_HOURS * 3_600_000,
          frontendRedirectUrl: config.OAUTH_FRONTEND_REDIRECT_URL ?? null,
        }),
      );
      // Every other service needs auth, so auth never waits for them at start.
      consumeInBackground({
        name: ON_USER_ERASED,
        stream: "user",
        filterSubjects: ["evt.user.user.erased"],
        handler: onUserErased({ db, clock, deletePublished: (copies) => bus.deletePublished(copies) }),
      });
    },
  };
}

/** The configured key ring, or a random key for this process (local development) with a warning. */
function keysOrEphemeral(value: string | undefined, variable: string, logger: Logger): AesKeyRing {
  if (value) return parseAesKeyRing(value);
  logger.warn(`${variable} is not set: a random key is used for this process`);
  return keyRing([ephemeralAesKey()]);
}

export function startAuthService(
  config: AuthConfig,
  options: AuthServiceOptions = {},
): Promise<RunningService<AuthDb>> {
  return startService(authService(config, options), config);
}
