import { randomUUID } from "node:crypto";
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** The public half as `auth` publishes it in the JWKS. */
  readonly publicJwk: JWK & { kid: string; kty: string };
}

export async function createSigningKey(): Promise<SigningKey> {
  const kid = randomUUID();
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
  const jwk = await exportJWK(publicKey);
  return { kid, privateKey, publicJwk: { ...jwk, kty: jwk.kty ?? "OKP", kid, alg: "EdDSA", use: "sig" } };
}

export interface AccessTokenOptions {
  readonly userId?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds since the epoch. @default now + 5 minutes */
  readonly expiresAt?: number;
  readonly issuedAt?: number;
  /** Claims merged over the defaults (`typ: "access"`, `sid`, `jti`). */
  readonly claims?: JWTPayload;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1_000);

/** An access token as `auth` signs it; options bend one thing at a time for the negative cases. */
export async function signAccessToken(key: SigningKey, options: AccessTokenOptions = {}): Promise<string> {
  const issuedAt = options.issuedAt ?? nowSeconds();
  return new SignJWT({ typ: "access", sid: randomUUID(), jti: randomUUID(), ...options.claims })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "JWT" })
    .setIssuer(options.issuer ?? "tessera")
    .setAudience(options.audience ?? "tessera-api")
    .setSubject(options.userId ?? randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(options.expiresAt ?? issuedAt + 300)
    .sign(key.privateKey);
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** A token with `alg: none` and no signature, carrying otherwise valid claims. */
export function unsignedToken(kid: string, userId = randomUUID()): string {
  const now = nowSeconds();
  const header = base64url({ alg: "none", typ: "JWT", kid });
  const payload = base64url({
    iss: "tessera",
    aud: "tessera-api",
    sub: userId,
    sid: randomUUID(),
    jti: randomUUID(),
    typ: "access",
    iat: now,
    exp: now + 300,
  });
  return `${header}.${payload}.`;
}

/** The classic key-confusion forgery: HS256 with the public key's bytes as the HMAC secret. */
export async function hmacForgedToken(key: SigningKey, userId = randomUUID()): Promise<string> {
  const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
  const now = nowSeconds();
  return new SignJWT({ typ: "access", sid: randomUUID(), jti: randomUUID() })
    .setProtectedHeader({ alg: "HS256", kid: key.kid })
    .setIssuer("tessera")
    .setAudience("tessera-api")
    .setSubject(userId)
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(secret);
}

/** The same token with its payload swapped for another user's: the signature no longer matches. */
export function tamperedToken(token: string, userId: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
  return `${header}.${base64url({ ...claims, sub: userId })}.${signature}`;
}
