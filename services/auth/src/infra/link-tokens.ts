import { createHash, randomBytes } from "node:crypto";
import { type EncryptedLinkToken, type LinkPurpose, linkTokenAad } from "@tessera/contracts";
import { type AesKey, ephemeralAesKey, parseAesKey, sealSecret } from "@tessera/service-kit";

/** The key that encrypts link tokens for `outbound` (AES-256-GCM). */
export type LinkTokenKey = AesKey;

/** Parses `<keyId>:<base64url of 32 bytes>` (config has checked the shape). */
export const parseLinkTokenKey: (value: string) => LinkTokenKey = parseAesKey;

/** A random key for local development, when none is configured. */
export const ephemeralLinkTokenKey: () => LinkTokenKey = ephemeralAesKey;

export interface IssuedLinkToken {
  /** The raw token: goes into the link, never stored or logged. */
  token: string;
  tokenHash: string;
  encrypted: EncryptedLinkToken;
}

export function hashLinkToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A 256-bit single-use token, its SHA-256, and the token encrypted for `outbound`. */
export function issueLinkToken(key: LinkTokenKey, purpose: LinkPurpose, accountId: string): IssuedLinkToken {
  const token = randomBytes(32).toString("base64url");
  const sealed = sealSecret(key, token, linkTokenAad(purpose, accountId));
  return { token, tokenHash: hashLinkToken(token), encrypted: { ...sealed, algorithm: "A256GCM" } };
}
