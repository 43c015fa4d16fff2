import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { TesseraError } from "@tessera/contracts";
import { z } from "zod";

/**
 * The one AES-256-GCM helper for secrets held by a service (auth's link tokens, OAuth flow cookies
 * and provider tokens, the gateway's idempotent replays). A value is sealed under a named key
 * (`keyId`), so keys rotate: the newest key seals, every key of the ring still opens what it sealed.
 */
export interface AesKey {
  readonly keyId: string;
  /** 32 bytes. */
  readonly key: Buffer;
}

export interface AesKeyRing {
  /** The key new values are sealed with. */
  readonly current: AesKey;
  /** Every key that still opens values, the current one included. */
  readonly keys: ReadonlyMap<string, AesKey>;
}

export interface SealedSecret {
  keyId: string;
  /** base64url of IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes). */
  ciphertext: string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_PATTERN = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9_-]{43})=?$/;

/** A value that does not open: unknown key, tampered, or sealed for another purpose. */
export class SecretUnreadableError extends TesseraError {
  override name = "SecretUnreadableError";
  constructor(options: { cause?: unknown } = {}) {
    super("secret.unreadable", 500, "A sealed value could not be opened.", options);
  }
}

/** Parses `<keyId>:<base64url of 32 bytes>`. */
export function parseAesKey(value: string): AesKey {
  const match = KEY_PATTERN.exec(value.trim());
  const key = Buffer.from(match?.[2] ?? "", "base64url");
  if (!match?.[1] || key.length !== 32)
    throw new TypeError("an AES key must be <keyId>:<base64url of 32 bytes>");
  return { keyId: match[1], key };
}

/** A ring from comma-separated keys, newest first: the first seals, all open. */
export function parseAesKeyRing(value: string): AesKeyRing {
  return keyRing(value.split(",").map(parseAesKey));
}

export function keyRing(keys: readonly AesKey[]): AesKeyRing {
  const [current] = keys;
  if (!current) throw new TypeError("a key ring needs at least one key");
  return { current, keys: new Map(keys.map((key) => [key.keyId, key])) };
}

/** A random key for local development, when none is configured. */
export function ephemeralAesKey(): AesKey {
  return { keyId: `ephemeral-${randomBytes(4).toString("hex")}`, key: randomBytes(32) };
}

/** A key ring as an environment variable: comma-separated `<keyId>:<base64url of 32 bytes>`, newest first. */
export const AesKeyRingConfigSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{43}=?(,[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]{43}=?)*$/,
    "must be <keyId>:<base64url of 32 bytes>[,…] (newest first)",
  );

/** The configured key ring, or a random key for this process (local development) with a warning. */
export function keyRingOrEphemeral(
  value: string | undefined,
  variable: string,
  logger: { warn(message: string): void },
): AesKeyRing {
  if (value) return parseAesKeyRing(value);
  logger.warn(`${variable} is not set: a random key is used for this process`);
  return keyRing([ephemeralAesKey()]);
}

/** `aad` names the purpose and owner, so a value cannot be replayed as another. */
export function sealSecret(key: AesKey, plaintext: string, aad: string): SealedSecret {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.key, iv).setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return { keyId: key.keyId, ciphertext: Buffer.concat([iv, body]).toString("base64url") };
}

export function openSecret(ring: AesKeyRing, sealed: SealedSecret, aad: string): string {
  const key = ring.keys.get(sealed.keyId);
  const bytes = Buffer.from(sealed.ciphertext, "base64url");
  if (!key || bytes.length < IV_BYTES + TAG_BYTES) throw new SecretUnreadableError();
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString("utf8");
  } catch (cause) {
    throw new SecretUnreadableError({ cause });
  }
}
