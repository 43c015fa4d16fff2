import { z } from "zod";
import { pageSchema } from "./pagination.ts";
import { text, timestamp, url } from "./scalars.ts";

/** Emails: trimmed, at most 254 characters (RFC 5321 path limit). Case is kept; uniqueness ignores it. */
export const EmailSchema = text().trim().max(254).pipe(z.email());

/**
 * Passwords: 8 to 128 characters, taken exactly as typed (no trimming, truncation or case change),
 * no composition rules (NIST SP 800-63B, OWASP ASVS 5.0). `auth` also refuses the most common ones.
 */
export const PasswordSchema = text().min(8).max(128);

/** A password being checked, not chosen: any length up to the limit, so the policy is not revealed. */
export const PresentedPasswordSchema = text().min(1).max(128);

/** An opaque token handed out by `auth` (refresh, reset, verification): 256 bits, base64url (43 chars). */
export const OpaqueTokenSchema = text()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "must be a base64url token");

export const CredentialsSchema = z
  .strictObject({ email: EmailSchema, password: PasswordSchema })
  .meta({ id: "Credentials" });
export type Credentials = z.infer<typeof CredentialsSchema>;

/** A person's display name, as the profile keeps it: 1 to 100 characters after trimming. */
export const DisplayNameSchema = text().trim().min(1).max(100);

/** A sign-up: the credentials and, as sign-up forms ask for it, the profile's display name. */
export const RegistrationSchema = z
  .strictObject({
    ...CredentialsSchema.shape,
    displayName: DisplayNameSchema.optional(),
  })
  .meta({ id: "Registration" });
export type Registration = z.infer<typeof RegistrationSchema>;

export const TokenPairSchema = z
  .object({
    user: z.object({ id: z.uuid(), email: text() }),
    accessToken: text(),
    refreshToken: text(),
    tokenType: z.literal("Bearer"),
    /** Access-token lifetime in seconds. */
    expiresIn: z.number().int().positive(),
  })
  .meta({ id: "TokenPair" });
export type TokenPair = z.infer<typeof TokenPairSchema>;

/**
 * What an operation that ends sessions answers `auth`'s caller (the gateway, whose 204 carries none
 * of it): the sessions it revoked, so that gateway refuses their access tokens before it answers.
 * The other gateways hear of them through `REVOKED_SESSIONS_KV`.
 */
export const SessionsRevokedSchema = z.object({ revokedSessionIds: z.array(z.uuid()) });
export type SessionsRevoked = z.infer<typeof SessionsRevokedSchema>;

// ---------------------------------------------------------------- requests

export const AccountIdParamsSchema = z.strictObject({ accountId: z.uuid() });

/** What an account's registration said, and whether its email is verified (internal). */
export const AccountSchema = z.object({
  accountId: z.uuid(),
  email: text(),
  displayName: text().nullable(),
  registeredAt: timestamp(),
  emailVerified: z.boolean(),
});
export type Account = z.infer<typeof AccountSchema>;

export const RefreshRequestSchema = z.strictObject({ refreshToken: OpaqueTokenSchema });

export const SessionIdParamsSchema = z.strictObject({ sessionId: z.uuid() });

export const ChangePasswordRequestSchema = z.strictObject({
  currentPassword: PresentedPasswordSchema,
  newPassword: PasswordSchema,
});

export const ForgotPasswordRequestSchema = z.strictObject({ email: EmailSchema });

export const ResetPasswordRequestSchema = z.strictObject({
  token: OpaqueTokenSchema,
  newPassword: PasswordSchema,
});

export const VerifyEmailRequestSchema = z.strictObject({ token: OpaqueTokenSchema });

/** Claims of an access token signed by `auth`; `typ` keeps refresh or other tokens out of the access path. */
export const AccessTokenClaimsSchema = z.object({
  iss: text(),
  aud: z.union([text(), z.array(text())]),
  sub: z.uuid(),
  sid: z.uuid(),
  jti: z.uuid(),
  typ: z.literal("access"),
  iat: z.number().int(),
  exp: z.number().int(),
});
export type AccessTokenClaims = z.infer<typeof AccessTokenClaimsSchema>;

export const JwksSchema = z
  .object({
    keys: z.array(z.looseObject({ kid: text(), kty: text(), alg: text().optional() })),
  })
  .meta({ id: "Jwks" });
export type Jwks = z.infer<typeof JwksSchema>;

/** A signing key made on request (`svc.auth.signing-keys.rotate`, decision 0018). */
export const RotatedSigningKeySchema = z.object({
  kid: text(),
  createdAt: timestamp(),
  /** From when replicas sign with it: until then it is only in the JWKS, so verifiers know it first. */
  signsFrom: timestamp(),
  /** Keys that were active and are now retired (they stay in the JWKS while their tokens live). */
  retired: z.array(text()),
});
export type RotatedSigningKey = z.infer<typeof RotatedSigningKeySchema>;

/** The NATS KV bucket and key through which `auth` shares its public keys with the gateway. */
export const JWKS_KV = { bucket: "auth-jwks", key: "jwks" } as const;

/**
 * Revoked sessions, for the gateway to refuse their access tokens before they expire: `auth` puts
 * one key per revoked session id (value: the revocation time) into a bucket whose max age covers the
 * access-token lifetime; the gateway watches the bucket.
 */
export const REVOKED_SESSIONS_KV = { bucket: "auth-revoked-sessions" } as const;

/** How a session began. */
export const SessionMethodSchema = z.enum(["register", "password", "oauth"]);
export type SessionMethod = z.infer<typeof SessionMethodSchema>;

/** One of the caller's live sessions (a refresh-token family), as `GET /v1/auth/sessions` lists it. */
export const SessionSchema = z
  .object({
    id: z.uuid(),
    method: SessionMethodSchema,
    createdAt: timestamp(),
    /** The last sign-in or refresh. */
    lastUsedAt: timestamp(),
    /** The absolute end of the session, whatever its use. */
    expiresAt: timestamp(),
    /** The session ends here unless refreshed before. */
    idleExpiresAt: timestamp(),
    /** The session behind the access token of this request. */
    current: z.boolean(),
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof SessionSchema>;

export const SessionPageSchema = pageSchema(SessionSchema);
export type SessionPage = z.infer<typeof SessionPageSchema>;

/** What a reset or verification link is for; also part of the token's associated data. */
export const LinkPurposeSchema = z.enum(["password-reset", "email-verification"]);
export type LinkPurpose = z.infer<typeof LinkPurposeSchema>;

/**
 * The raw single-use token of a link, encrypted for `outbound`, which sends the link later:
 * AES-256-GCM under the key `keyId` (env `AUTH_LINK_TOKEN_KEY` on `auth`), `ciphertext` =
 * base64url(12-byte IV ‖ ciphertext ‖ 16-byte tag), associated data = `linkTokenAad(purpose, accountId)`.
 * `auth` stores only the token's SHA-256 for checking it.
 */
export const EncryptedLinkTokenSchema = z.object({
  keyId: text().min(1).max(64),
  algorithm: z.literal("A256GCM"),
  ciphertext: text().min(1).max(512),
});
export type EncryptedLinkToken = z.infer<typeof EncryptedLinkTokenSchema>;

/** The associated data binding an encrypted link token to its purpose and account. */
export function linkTokenAad(purpose: LinkPurpose, accountId: string): string {
  return `tessera:${purpose}:${accountId}`;
}

// ---------------------------------------------------------------- OAuth/OIDC sign-in and linking

/** The browser-bound cookie carrying one sign-in flow (state, nonce, PKCE verifier), sealed by `auth`. */
export const OAUTH_FLOW_COOKIE = "__Host-oauth-flow";
/** Lifetime of a flow (its cookie), in seconds. */
export const OAUTH_FLOW_TTL_SECONDS = 600;

export const OAuthProviderNameSchema = text().regex(
  /^[a-z0-9][a-z0-9-]{0,31}$/,
  "is a lower-case provider name",
);

/** The sealed flow as the cookie carries it: `<keyId>~<base64url>`. */
const FlowCookieSchema = text()
  .max(4_096)
  .regex(/^[A-Za-z0-9._-]{1,64}~[A-Za-z0-9_-]+$/);

export const OAuthProviderSchema = z
  .object({
    name: OAuthProviderNameSchema,
    /** `oidc`: OpenID Connect (discovery, ID token); `github`: plain OAuth 2 with GitHub's user API. */
    type: z.enum(["oidc", "github"]),
  })
  .meta({ id: "OAuthProvider" });
export type OAuthProvider = z.infer<typeof OAuthProviderSchema>;

export const OAuthProvidersSchema = z.object({ items: z.array(OAuthProviderSchema) });

export const OAuthProviderParamsSchema = z.strictObject({ provider: OAuthProviderNameSchema });

/** A redirect to the provider and the cookie that binds the flow to this browser. */
export const OAuthRedirectSchema = z.object({ location: url(), stateCookie: FlowCookieSchema });

/** What the provider sends back to the redirect URI (RFC 6749 §4.1.2, RFC 9207 `iss`). */
export const OAuthCallbackQuerySchema = z.object({
  code: text().min(1).max(2_048).optional(),
  state: text().min(1).max(512).optional(),
  iss: text().min(1).max(2_048).optional(),
  error: text().min(1).max(256).optional(),
  error_description: text().max(1_024).optional(),
});

export const OAuthCallbackRequestSchema = z.strictObject({
  ...OAuthProviderParamsSchema.shape,
  ...OAuthCallbackQuerySchema.shape,
  /** The flow cookie set by start or link; absent when the browser has none. */
  stateCookie: FlowCookieSchema.optional(),
});

/** The signed-in token pair; `location` is the front-end URL to redirect to, when one is configured. */
export const OAuthCallbackResponseSchema = TokenPairSchema.extend({ location: url().nullable() });

/** Starts linking a provider to the signed-in caller: the provider URL and the flow cookie. */
export const OAuthLinkResponseSchema = z.object({ url: url(), stateCookie: FlowCookieSchema });
