import { z } from "zod";
import { defineEvent, defineOperation } from "./messaging.ts";
import { defineRoute, type RouteDefinition } from "./routes.ts";

/** Emails: trimmed, at most 254 characters (RFC 5321 path limit). Case is kept; uniqueness ignores it. */
export const EmailSchema = z.string().trim().max(254).pipe(z.email());

/**
 * Passwords: 8 to 128 characters, taken exactly as typed (no trimming, truncation or case change),
 * no composition rules (NIST SP 800-63B, OWASP ASVS 5.0).
 */
export const PasswordSchema = z.string().min(8).max(128);

export const CredentialsSchema = z.strictObject({ email: EmailSchema, password: PasswordSchema });
export type Credentials = z.infer<typeof CredentialsSchema>;

export const TokenPairSchema = z.object({
  user: z.object({ id: z.uuid(), email: z.string() }),
  accessToken: z.string(),
  refreshToken: z.string(),
  tokenType: z.literal("Bearer"),
  /** Access-token lifetime in seconds. */
  expiresIn: z.number().int().positive(),
});
export type TokenPair = z.infer<typeof TokenPairSchema>;

/** Claims of an access token signed by `auth`; `typ` keeps refresh or other tokens out of the access path. */
export const AccessTokenClaimsSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.uuid(),
  sid: z.uuid(),
  jti: z.uuid(),
  typ: z.literal("access"),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaimsSchema>;

export const JwksSchema = z.object({
  keys: z.array(z.looseObject({ kid: z.string(), kty: z.string(), alg: z.string().optional() })),
});
export type Jwks = z.infer<typeof JwksSchema>;

/** The NATS KV bucket and key through which `auth` shares its public keys with the gateway. */
export const JWKS_KV = { bucket: "auth-jwks", key: "jwks" } as const;

/**
 * Revoked sessions, for the gateway to refuse their access tokens before they expire: `auth` puts
 * one key per revoked session id (value: the revocation time) with a TTL of the access-token
 * lifetime; the gateway watches the bucket.
 */
export const REVOKED_SESSIONS_KV = { bucket: "auth-revoked-sessions" } as const;

export const accountRegistered = defineEvent({
  type: "auth.account.registered",
  version: 1,
  data: z.object({ accountId: z.uuid(), email: z.string(), registeredAt: z.iso.datetime() }),
});

export const sessionStarted = defineEvent({
  type: "auth.session.started",
  version: 1,
  data: z.object({
    sessionId: z.uuid(),
    accountId: z.uuid(),
    familyId: z.uuid(),
    method: z.enum(["register", "password"]),
    startedAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
  }),
});

export const authRegister = defineOperation({
  service: "auth",
  name: "register",
  request: CredentialsSchema,
  response: TokenPairSchema,
});

export const authLogin = defineOperation({
  service: "auth",
  name: "login",
  request: CredentialsSchema,
  response: TokenPairSchema,
});

export const authJwks = defineOperation({
  service: "auth",
  name: "jwks",
  request: z.strictObject({}),
  response: JwksSchema,
});

export const authRoutes: readonly RouteDefinition[] = [
  defineRoute({
    method: "POST",
    path: "/v1/auth/register",
    summary: "Create an account and sign in",
    operation: authRegister,
    auth: "public",
    rateClass: "auth-register",
    idempotent: true,
    successStatus: 201,
    request: { body: authRegister.request },
    response: TokenPairSchema,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/auth/login",
    summary: "Sign in with email and password",
    operation: authLogin,
    auth: "public",
    rateClass: "auth-login",
    successStatus: 200,
    request: { body: authLogin.request },
    response: TokenPairSchema,
  }),
];
