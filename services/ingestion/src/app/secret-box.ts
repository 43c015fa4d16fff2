import { randomBytes } from "node:crypto";
import { type AesKeyRing, openSecret, SecretUnreadableError, sealSecret } from "@tessera/service-kit";
import type { Sealed, SigningSecrets } from "../domain/source-secrets.ts";
import { verifyingSecrets } from "../domain/source-secrets.ts";

/** What a sealed secret is for; part of its AAD, so one cannot be opened as another. */
export type SecretPurpose = "signing" | "api-token";

/** Random bytes in a new webhook signing secret (Standard Webhooks allows 24 to 64). */
const SIGNING_SECRET_BYTES = 32;

/** A Standard Webhooks signing secret: `whsec_` + base64 of random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(SIGNING_SECRET_BYTES).toString("base64")}`;
}

function aad(sourceId: string, purpose: SecretPurpose): string {
  return `ingestion:source:${sourceId}:${purpose}`;
}

export function seal(keys: AesKeyRing, sourceId: string, purpose: SecretPurpose, plaintext: string): Sealed {
  return sealSecret(keys.current, plaintext, aad(sourceId, purpose));
}

export function open(keys: AesKeyRing, sourceId: string, purpose: SecretPurpose, sealed: Sealed): string {
  return openSecret(keys, sealed, aad(sourceId, purpose));
}

/**
 * The signing secrets that verify a source's webhooks at `now`, opened. One sealed under a key no
 * longer in the ring is skipped with a warning (it cannot verify anything); the others still do.
 */
export function openSigningSecrets(
  keys: AesKeyRing,
  sourceId: string,
  signing: SigningSecrets | null,
  now: Date,
  warn: (keyId: string) => void,
): string[] {
  return verifyingSecrets(signing, now).flatMap((sealed) => {
    try {
      return [open(keys, sourceId, "signing", sealed)];
    } catch (error) {
      if (!(error instanceof SecretUnreadableError)) throw error;
      warn(sealed.keyId);
      return [];
    }
  });
}
