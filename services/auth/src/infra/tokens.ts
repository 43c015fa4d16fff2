import { createHash, randomBytes, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { SigningKey } from "./signing-keys.ts";

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  /** Access-token lifetime in seconds. @default 900 */
  ttlSeconds: number;
}

export async function signAccessToken(
  key: SigningKey,
  settings: AccessTokenSettings,
  subject: { accountId: string; sessionId: string },
  now: Date,
): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ sid: subject.sessionId, typ: "access" })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "at+jwt" })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setSubject(subject.accountId)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + settings.ttlSeconds)
    .sign(key.privateKey);
}

/** An opaque 256-bit refresh token; only its SHA-256 is ever stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
