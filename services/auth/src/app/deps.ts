import type { DeletePublishedCopies } from "@tessera/eventstore";
import { type AesKeyRing, keyRingOrEphemeral, type Logger, type ServiceRuntime } from "@tessera/service-kit";
import type { AuthConfig, AuthSettings } from "../config.ts";
import { loadCommonPasswords } from "../infra/common-passwords.ts";
import { ephemeralLinkTokenKey, type LinkTokenKey, parseLinkTokenKey } from "../infra/link-tokens.ts";
import { createOAuthClients } from "../infra/oauth-clients.ts";
import { createPasswordHasher } from "../infra/passwords.ts";
import { startRevokedSessionsFeed } from "../infra/revoked-sessions.ts";
import type { AuthDb } from "../infra/tables.ts";
import { backgroundTasks } from "./background.ts";
import type { ForgotPasswordDeps } from "./forgot-password.ts";
import { type LoginThrottle, loginThrottle, pruneEvery } from "./login-throttle.ts";
import type { OAuthCallbackDeps } from "./oauth-callback.ts";
import type { RegisterDeps } from "./register.ts";
import { createSigningKeyRing, type SigningKeyRing } from "./signing-key-ring.ts";

/** Everything the handlers are built from; each takes the part it needs. */
export interface AuthDeps extends RegisterDeps, OAuthCallbackDeps, ForgotPasswordDeps {
  signingKeys: SigningKeyRing;
  throttle: LoginThrottle;
  deletePublished: DeletePublishedCopies;
}

/** The keys `auth` encrypts with, from configuration or, unset, random per process (with a warning). */
export interface AuthSecrets {
  /** Encrypts link tokens for `outbound`. */
  linkKey: LinkTokenKey;
  /** Seals the OAuth flow cookie. */
  flowKeys: AesKeyRing;
  /** Encrypts provider tokens at rest. */
  tokenKeys: AesKeyRing;
}

export function authSecrets(config: AuthConfig, logger: Logger): AuthSecrets {
  if (!config.AUTH_LINK_TOKEN_KEY) {
    logger.warn(
      "AUTH_LINK_TOKEN_KEY is not set: link tokens are encrypted under a random key for this process",
    );
  }
  return {
    linkKey: config.AUTH_LINK_TOKEN_KEY
      ? parseLinkTokenKey(config.AUTH_LINK_TOKEN_KEY)
      : ephemeralLinkTokenKey(),
    flowKeys: keyRingOrEphemeral(config.OAUTH_STATE_KEYS, "OAUTH_STATE_KEYS", logger),
    tokenKeys: keyRingOrEphemeral(config.OAUTH_TOKEN_KEYS, "OAUTH_TOKEN_KEYS", logger),
  };
}

/**
 * Starts what the handlers lean on (signing-key checks, the revoked-sessions feed, background tasks,
 * login-failure pruning), each stopped with the service, and gathers the handlers' dependencies.
 */
export async function startAuthDeps(
  runtime: ServiceRuntime<AuthDb>,
  config: AuthConfig,
  settings: AuthSettings,
  clock: () => Date,
): Promise<AuthDeps> {
  const { db, bus, store, logger, onStop } = runtime;
  const signingKeys = await createSigningKeyRing({ db, bus, logger, clock, ...settings.signingKeys });
  onStop("signing key checks", signingKeys.start(settings.signingKeys.checkMs));
  const maxAgeMs = settings.revokedSessionsMaxAgeMs;
  onStop("revoked sessions feed", await startRevokedSessionsFeed({ ...runtime, maxAgeMs }));
  const background = backgroundTasks(logger);
  onStop("background tasks", () => background.settled());
  const throttle = loginThrottle({ db, rules: settings.throttle, clock });
  onStop("login failure pruning", pruneEvery(throttle, settings.pruneLoginFailuresEveryMs, logger));
  return {
    ...authSecrets(config, logger),
    db,
    store,
    clock,
    signingKeys,
    signingKey: () => signingKeys.current(),
    tokens: settings.tokens,
    refreshLifetimeMs: settings.refreshLifetimeMs,
    refreshIdleMs: settings.refreshIdleMs,
    verificationTtlMs: settings.verificationTtlMs,
    resetTtlMs: settings.resetTtlMs,
    flowTtlMs: settings.flowTtlMs,
    frontendRedirectUrl: settings.frontendRedirectUrl,
    hasher: await createPasswordHasher(),
    commonPasswords: await loadCommonPasswords(),
    throttle,
    background,
    clients: createOAuthClients(config.OAUTH_PROVIDERS, config.OAUTH_REDIRECT_BASE_URL),
    deletePublished: (copies) => bus.deletePublished(copies),
  };
}
