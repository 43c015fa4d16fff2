import { AesKeyRingConfigSchema, baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";
import { parseTrustedProxies, type TrustedProxies } from "./app/client-address.ts";
import type { HttpServerLimits } from "./app/http-server.ts";

/** A rate-limit budget: `<requests>/<period>` with the period in ms, s, m or h, e.g. `10/1m`. */
export interface RateBudget {
  readonly limit: number;
  /** Period in ms over which `limit` requests are allowed (GCRA: one every `periodMs / limit`). */
  readonly periodMs: number;
}

const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ["ms", 1],
  ["s", 1_000],
  ["m", 60_000],
  ["h", 3_600_000],
]);

const rateBudget = z
  .string()
  .regex(/^\d{1,7}\/\d{1,6}(ms|s|m|h)$/, "must look like 10/1m (requests/period in ms, s, m or h)")
  .transform((text, ctx): RateBudget => {
    const [, count = "0", amount = "0", unit = ""] = /^(\d+)\/(\d+)(ms|s|m|h)$/.exec(text) ?? [];
    const limit = Number(count);
    const periodMs = Number(amount) * (UNIT_MS.get(unit) ?? 0);
    if (limit < 1 || periodMs < 1) {
      ctx.addIssue({ code: "custom", message: "requests and period must be positive" });
      return z.NEVER;
    }
    return { limit, periodMs };
  });

const commaList = z
  .string()
  .max(4_096)
  .transform((text) =>
    text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  );

/** A time-out in ms: positive, at most a day (Node's timers overflow near 25 days). */
const timeoutMs = z.coerce.number().int().positive().max(86_400_000);

const gatewayVariables = baseServiceConfig.extend({
  /** HTTP port. @default 8080 */
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  /** Interface to listen on. @default "0.0.0.0" */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Expected `iss` of access tokens. @default "tessera" */
  AUTH_ISSUER: z.string().min(1).default("tessera"),
  /** Expected `aud` of access tokens. @default "tessera-api" */
  AUTH_AUDIENCE: z.string().min(1).default("tessera-api"),
  /** How long the gateway waits for a service's reply, in ms; a GET with none is sent once more (decision 0077). @default 5000 */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** Largest accepted request body in bytes, unless a route sets its own. @default 1_048_576 (1 MiB) */
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
  /** `auth-login`: per client IP and, separately, per account (email). @default 10/1m */
  RATE_LIMIT_AUTH_LOGIN: rateBudget.prefault("10/1m"),
  /** `auth-register`: per client IP. @default 20/1h */
  RATE_LIMIT_AUTH_REGISTER: rateBudget.prefault("20/1h"),
  /** `auth-recover` (forgot/reset password, email verification): per client IP. @default 10/1h */
  RATE_LIMIT_AUTH_RECOVER: rateBudget.prefault("10/1h"),
  /** `read`: per user, or per client IP when anonymous. @default 600/1m */
  RATE_LIMIT_READ: rateBudget.prefault("600/1m"),
  /** `write`: per user, or per client IP when anonymous. @default 120/1m */
  RATE_LIMIT_WRITE: rateBudget.prefault("120/1m"),
  /**
   * Proxies whose `X-Forwarded-For`/`-Proto` are believed: empty (none, the socket address is the
   * client), a hop count (`1`), or CIDRs (`10.0.0.0/8,fd00::/8`). @default ""
   */
  TRUSTED_PROXIES: z
    .string()
    .max(4_096)
    .default("")
    .transform((text, ctx): TrustedProxies => {
      const parsed = parseTrustedProxies(text);
      if (parsed !== null) return parsed;
      ctx.addIssue({ code: "custom", message: "must be empty, a hop count, or comma-separated CIDRs" });
      return z.NEVER;
    }),
  /** Accepted `Host` values (`api.example.com`, `localhost:8080`); empty accepts any. @default "" */
  TRUSTED_HOSTS: commaList.prefault(""),
  /** CORS: `*` (development: any origin, no credentials) or exact origins allowed with credentials. @default "*" */
  CORS_ORIGINS: z
    .string()
    .max(4_096)
    .default("*")
    .transform((text) => (text.trim() === "*" ? ("*" as const) : commaList.parse(text))),
  /** How long an idempotent response is kept for replay, in seconds. @default 86_400 (24 h) */
  IDEMPOTENCY_TTL_SECONDS: z.coerce.number().int().positive().default(86_400),
  /**
   * After answering 504 to a request with an `Idempotency-Key`, how much longer the gateway waits for
   * the service's reply to keep it for the retry, in ms; a reply later than that leaves the outcome
   * unknown for good. @default 60_000
   */
  IDEMPOTENCY_OUTCOME_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /**
   * Keys sealing what the gateway keeps for `Idempotency-Key` replays (AES-256-GCM), newest first:
   * the first seals, all open, so a retired key stays listed for `IDEMPOTENCY_TTL_SECONDS`. Unset: a
   * random key per process (development only; replays then do not survive a restart).
   */
  IDEMPOTENCY_KEYS: AesKeyRingConfigSchema.optional(),
  /** How long a caller's roles and memberships are cached, in ms (events invalidate sooner). @default 30_000 */
  ACCESS_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000),
  /** `Max-Age` of the refresh-token cookie, in seconds. @default 2_592_000 (30 days) */
  REFRESH_COOKIE_MAX_AGE_SECONDS: z.coerce.number().int().positive().default(2_592_000),
  /** Time a client has to send the request line and headers, in ms; then 408. @default 10_000 */
  HTTP_HEADERS_TIMEOUT_MS: timeoutMs.default(10_000),
  /**
   * Time a client has to send the whole request, headers and body, in ms; then 408. At least
   * `HTTP_HEADERS_TIMEOUT_MS`. @default 30_000
   */
  HTTP_REQUEST_TIMEOUT_MS: timeoutMs.default(30_000),
  /** How long an idle keep-alive connection stays open, in ms (Node adds 1 s of grace). @default 5_000 */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: timeoutMs.default(5_000),
  /**
   * Open connections one socket address may hold; more are answered 429 and closed. Behind a proxy
   * the address is the proxy's: set it high or 0 (no cap) there. @default 128
   */
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).max(1_000_000).default(128),
});

/** The gateway's settings, parsed once from the environment by `main.ts`. */
export const gatewayConfigSchema = gatewayVariables.refine(
  (config) => config.HTTP_REQUEST_TIMEOUT_MS >= config.HTTP_HEADERS_TIMEOUT_MS,
  { message: "must be at least HTTP_HEADERS_TIMEOUT_MS", path: ["HTTP_REQUEST_TIMEOUT_MS"] },
);

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

export type RateLimitedClass = "auth-login" | "auth-register" | "auth-recover" | "read" | "write";

/** What the HTTP app needs from the configuration; tests build it with `gatewaySettings`. */
export interface GatewaySettings {
  readonly AUTH_ISSUER: string;
  readonly AUTH_AUDIENCE: string;
  readonly UPSTREAM_TIMEOUT_MS: number;
  readonly BODY_LIMIT_BYTES: number;
  readonly rateLimits: Readonly<Record<RateLimitedClass, RateBudget>>;
  readonly trustedProxies: TrustedProxies;
  readonly trustedHosts: readonly string[];
  readonly corsOrigins: "*" | readonly string[];
  readonly IDEMPOTENCY_TTL_SECONDS: number;
  readonly IDEMPOTENCY_OUTCOME_WAIT_MS: number;
  /** `IDEMPOTENCY_KEYS` as configured; unset, the gateway seals with a random key. */
  readonly idempotencyKeys: string | undefined;
  readonly ACCESS_CACHE_TTL_MS: number;
  readonly REFRESH_COOKIE_MAX_AGE_SECONDS: number;
  /** Prefix of every Redis key, so bus namespaces (tests) never share limits or idempotency keys. */
  readonly redisKeyPrefix: string;
  readonly httpServer: HttpServerLimits;
}

/** The app's settings from the parsed environment. */
export function gatewaySettings(config: DeepReadonly<GatewayConfig>): GatewaySettings {
  return {
    AUTH_ISSUER: config.AUTH_ISSUER,
    AUTH_AUDIENCE: config.AUTH_AUDIENCE,
    UPSTREAM_TIMEOUT_MS: config.UPSTREAM_TIMEOUT_MS,
    BODY_LIMIT_BYTES: config.BODY_LIMIT_BYTES,
    rateLimits: {
      "auth-login": config.RATE_LIMIT_AUTH_LOGIN,
      "auth-register": config.RATE_LIMIT_AUTH_REGISTER,
      "auth-recover": config.RATE_LIMIT_AUTH_RECOVER,
      read: config.RATE_LIMIT_READ,
      write: config.RATE_LIMIT_WRITE,
    },
    trustedProxies: config.TRUSTED_PROXIES,
    trustedHosts: config.TRUSTED_HOSTS,
    corsOrigins: config.CORS_ORIGINS,
    IDEMPOTENCY_TTL_SECONDS: config.IDEMPOTENCY_TTL_SECONDS,
    IDEMPOTENCY_OUTCOME_WAIT_MS: config.IDEMPOTENCY_OUTCOME_WAIT_MS,
    idempotencyKeys: config.IDEMPOTENCY_KEYS,
    ACCESS_CACHE_TTL_MS: config.ACCESS_CACHE_TTL_MS,
    REFRESH_COOKIE_MAX_AGE_SECONDS: config.REFRESH_COOKIE_MAX_AGE_SECONDS,
    redisKeyPrefix: `gw:${config.BUS_NAMESPACE ?? ""}:`,
    httpServer: {
      headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnectionsPerAddress: config.HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    },
  };
}
