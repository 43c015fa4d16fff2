import { OAUTH_FLOW_TTL_SECONDS } from "@tessera/contracts";
import { AesKeyRingConfigSchema, baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";
import type { ThrottleRules } from "./app/login-throttle.ts";
import type { SigningKeyTimings } from "./app/signing-key-ring.ts";
import type { AccessTokenSettings } from "./infra/tokens.ts";
import { OAuthProvidersConfigSchema } from "./oauth-config.ts";

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

export const authConfigSchema = baseServiceConfig.extend({
  /** `iss` of every access token; the gateway checks it. */
  AUTH_ISSUER: z.string().min(1).default("tessera"),
  /** `aud` of every access token; the gateway checks it. */
  AUTH_AUDIENCE: z.string().min(1).default("tessera-api"),
  /** Access-token lifetime in seconds. @default 900 (15 minutes) */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  /** Absolute lifetime of a refresh-token family, in days. @default 30 */
  REFRESH_TOKEN_TTL_DAYS: positiveInt(365).default(30),
  /** A session not refreshed for this many days ends. @default 7 */
  REFRESH_TOKEN_IDLE_DAYS: positiveInt(365).default(7),
  /** A new signing key is made once the active one is this old, in hours. @default 720 (30 days) */
  AUTH_SIGNING_KEY_MAX_AGE_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .default(720),
  /** How often every replica checks for a due rotation and a changed JWKS, in seconds. @default 60 */
  AUTH_SIGNING_KEY_CHECK_SECONDS: positiveInt(3600).default(60),
  /** Reset-link lifetime in minutes. @default 30 */
  PASSWORD_RESET_TTL_MINUTES: positiveInt(24 * 60).default(30),
  /** Email-verification-link lifetime in hours. @default 48 */
  EMAIL_VERIFICATION_TTL_HOURS: positiveInt(24 * 30).default(48),
  /**
   * Key that encrypts link tokens for `outbound`: `<keyId>:<base64url of 32 bytes>`. Unset: a random
   * key per process (local development only; `outbound` cannot decrypt across restarts).
   */
  AUTH_LINK_TOKEN_KEY: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{43}=?$/, "must be <keyId>:<base64url of 32 bytes>")
    .optional(),
  /** Failed logins per account (any address) before delays start. @default 5 */
  LOGIN_FREE_FAILURES_PER_ACCOUNT: positiveInt(1000).default(5),
  /** Failed logins per client address (any account) before delays start. @default 20 */
  LOGIN_FREE_FAILURES_PER_IP: positiveInt(100_000).default(20),
  /** Longest delay an account's failures impose, in seconds; keeps a victim from being locked out. @default 60 */
  LOGIN_MAX_DELAY_SECONDS_PER_ACCOUNT: positiveInt(3600).default(60),
  /** Longest delay a client address's failures impose, in seconds. @default 900 */
  LOGIN_MAX_DELAY_SECONDS_PER_IP: positiveInt(86_400).default(900),
  /** Failures older than this (since the last one) are forgotten, in minutes. @default 15 */
  LOGIN_FAILURE_WINDOW_MINUTES: positiveInt(24 * 60).default(15),
  /**
   * Sign-in providers, a JSON array: `{ "name", "type": "oidc", "issuer", "clientId", "clientSecret",
   * "scopes"? }` or `{ "name", "type": "github", "clientId", "clientSecret", "scopes"?, endpoints? }`.
   * @default [] (none)
   */
  OAUTH_PROVIDERS: OAuthProvidersConfigSchema.default([]),
  /** Public base URL of the gateway; each provider's redirect URI is `<base>/v1/auth/oauth/<name>/callback`. */
  OAUTH_REDIRECT_BASE_URL: z.url().default("http://127.0.0.1:8080"),
  /** Where a browser goes after a provider sign-in (tokens in cookies); unset: the callback answers the token pair. */
  OAUTH_FRONTEND_REDIRECT_URL: z.url().optional(),
  /** Keys sealing the OAuth flow cookie (state, nonce, PKCE verifier). Unset: a random key per process. */
  OAUTH_STATE_KEYS: AesKeyRingConfigSchema.optional(),
  /** Keys encrypting provider tokens at rest (newest first; older ones still decrypt). Unset: a random key per process. */
  OAUTH_TOKEN_KEYS: AesKeyRingConfigSchema.optional(),
});

export type AuthConfig = DeepReadonly<z.output<typeof authConfigSchema>>;

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Slack over the access-token lifetime for clocks and the gateway's 5 s tolerance, in ms. */
const CLOCK_SLACK_MS = MINUTE;
/** How often forgotten login-failure counts are deleted, in ms. */
const PRUNE_LOGIN_FAILURES_EVERY_MS = 10 * MINUTE;

/** The configuration in the units the code works in (durations in ms), derived once. */
export interface AuthSettings {
  readonly tokens: AccessTokenSettings;
  readonly signingKeys: SigningKeyTimings & {
    /** How often every replica checks for a due rotation and a changed JWKS, in ms. */
    readonly checkMs: number;
  };
  /** How long a revoked session id stays on the gateways' deny-list, in ms: past any of its access tokens. */
  readonly revokedSessionsMaxAgeMs: number;
  /** Absolute lifetime of a refresh-token family, in ms. */
  readonly refreshLifetimeMs: number;
  /** A session not refreshed for this long ends, in ms. */
  readonly refreshIdleMs: number;
  /** Lifetime of an email-verification link, in ms. */
  readonly verificationTtlMs: number;
  /** Lifetime of a password-reset link, in ms. */
  readonly resetTtlMs: number;
  /** Lifetime of an OAuth flow (its cookie), in ms. */
  readonly flowTtlMs: number;
  readonly throttle: ThrottleRules;
  /** How often forgotten login-failure counts are deleted, in ms. */
  readonly pruneLoginFailuresEveryMs: number;
  /** Where a browser goes after a provider sign-in; null: the callback answers the token pair. */
  readonly frontendRedirectUrl: string | null;
}

export function authSettings(config: AuthConfig): AuthSettings {
  const accessTtlMs = config.ACCESS_TOKEN_TTL_SECONDS * SECOND;
  const checkMs = config.AUTH_SIGNING_KEY_CHECK_SECONDS * SECOND;
  return {
    tokens: {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    },
    signingKeys: {
      checkMs,
      maxAgeMs: config.AUTH_SIGNING_KEY_MAX_AGE_HOURS * HOUR,
      // Two checks: every replica has shared the new key before any replica signs with it.
      publishAheadMs: 2 * checkMs,
      // The old key signs until its successor is ready, and up to one check longer on a slow replica.
      retainRetiredMs: accessTtlMs + 3 * checkMs + CLOCK_SLACK_MS,
    },
    revokedSessionsMaxAgeMs: accessTtlMs + CLOCK_SLACK_MS,
    refreshLifetimeMs: config.REFRESH_TOKEN_TTL_DAYS * DAY,
    refreshIdleMs: config.REFRESH_TOKEN_IDLE_DAYS * DAY,
    verificationTtlMs: config.EMAIL_VERIFICATION_TTL_HOURS * HOUR,
    resetTtlMs: config.PASSWORD_RESET_TTL_MINUTES * MINUTE,
    flowTtlMs: OAUTH_FLOW_TTL_SECONDS * SECOND,
    throttle: throttleRules(config),
    pruneLoginFailuresEveryMs: PRUNE_LOGIN_FAILURES_EVERY_MS,
    frontendRedirectUrl: config.OAUTH_FRONTEND_REDIRECT_URL ?? null,
  };
}

/** The login-throttling policy (docs/decisions: login throttling). */
function throttleRules(config: AuthConfig): ThrottleRules {
  const windowMs = config.LOGIN_FAILURE_WINDOW_MINUTES * MINUTE;
  return {
    perAccount: {
      freeFailures: config.LOGIN_FREE_FAILURES_PER_ACCOUNT,
      baseDelaySeconds: 1,
      maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS_PER_ACCOUNT,
      windowMs,
    },
    perIp: {
      freeFailures: config.LOGIN_FREE_FAILURES_PER_IP,
      baseDelaySeconds: 1,
      maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS_PER_IP,
      windowMs: Math.max(windowMs, config.LOGIN_MAX_DELAY_SECONDS_PER_IP * SECOND),
    },
  };
}
