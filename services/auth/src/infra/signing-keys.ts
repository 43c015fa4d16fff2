import { randomUUID, type webcrypto } from "node:crypto";
import { type Jwks, JwksSchema } from "@tessera/contracts";
import { exportJWK, generateKeyPair, importJWK } from "jose";
import { type Kysely, sql, type Transaction } from "kysely";
import { z } from "zod";
import type { AuthDb } from "./tables.ts";

export const SIGNING_ALGORITHM = "EdDSA";

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: webcrypto.CryptoKey;
}

/** An Ed25519 private key as stored (JWK). */
const PrivateJwkSchema = z.object({
  kty: z.literal("OKP"),
  crv: z.literal("Ed25519"),
  x: z.string(),
  d: z.string(),
  kid: z.string(),
  alg: z.literal(SIGNING_ALGORITHM),
});
const PublicJwkSchema = JwksSchema.shape.keys.element;

/** Serialises key creation across replicas. */
const SIGNING_KEY_LOCK = 0x7e55_0a01;

async function createKey(trx: Transaction<AuthDb>, now: Date): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALGORITHM, {
    crv: "Ed25519",
    extractable: true,
  });
  const kid = randomUUID();
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALGORITHM };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALGORITHM, use: "sig" };
  await trx
    .insertInto("signing_keys")
    .values({
      kid,
      algorithm: SIGNING_ALGORITHM,
      private_jwk: JSON.stringify(privateJwk),
      public_jwk: JSON.stringify(publicJwk),
      created_at: now.toISOString(),
    })
    .execute();
  return kid;
}

/**
 * Makes a new signing key when there is none or the active one is at least `maxAgeMs` old, and
 * retires the others. Every replica may call it; the advisory lock lets one create, the rest then
 * find the fresh key. Returns whether a key was made.
 */
export async function rotateSigningKeyIfDue(
  db: Kysely<AuthDb>,
  options: { maxAgeMs: number; now: Date },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SIGNING_KEY_LOCK})`.execute(trx);
    const newest = await trx
      .selectFrom("signing_keys")
      .select(["kid", "created_at"])
      .where("retired_at", "is", null)
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    if (newest && options.now.getTime() - newest.created_at.getTime() < options.maxAgeMs) return false;
    await createKey(trx, options.now);
    if (newest) {
      await trx
        .updateTable("signing_keys")
        .set({ retired_at: options.now.toISOString() })
        .where("retired_at", "is", null)
        .where("created_at", "<=", newest.created_at)
        .execute();
    }
    return true;
  });
}

/**
 * Makes a new signing key now and retires every active one, whatever their age (the ops CLI's
 * `keys rotate`); under the same lock as the scheduled rotation, so the two never both make a key.
 */
export async function rotateSigningKey(
  db: Kysely<AuthDb>,
  options: { now: Date },
): Promise<{ kid: string; retired: string[] }> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SIGNING_KEY_LOCK})`.execute(trx);
    const kid = await createKey(trx, options.now);
    const retired = await trx
      .updateTable("signing_keys")
      .set({ retired_at: options.now.toISOString() })
      .where("retired_at", "is", null)
      .where("kid", "!=", kid)
      .returning("kid")
      .execute();
    return { kid, retired: retired.map((row) => row.kid) };
  });
}

/**
 * The key every replica signs with: the newest one created at least `publishAheadMs` ago, so every
 * replica has shared it in the JWKS before any token carries it (the first key signs at once).
 */
export async function loadActiveSigningKey(
  db: Kysely<AuthDb>,
  options: { now: Date; publishAheadMs: number },
): Promise<SigningKey | undefined> {
  const ready = new Date(options.now.getTime() - options.publishAheadMs);
  const row =
    (await db
      .selectFrom("signing_keys")
      .select(["kid", "private_jwk"])
      .where("created_at", "<=", ready)
      .orderBy("created_at", "desc")
      .executeTakeFirst()) ??
    (await db
      .selectFrom("signing_keys")
      .select(["kid", "private_jwk"])
      .orderBy("created_at", "desc")
      .executeTakeFirst());
  if (!row) return undefined;
  const privateKey = await importJWK(PrivateJwkSchema.parse(row.private_jwk), SIGNING_ALGORITHM);
  if (privateKey instanceof Uint8Array) throw new TypeError("signing key imported as raw bytes, not a key");
  return { kid: row.kid, privateKey };
}

/**
 * Public keys of every key that may still verify a live token: the active ones and those retired
 * less than `retainRetiredMs` ago (the access-token lifetime plus the time a retired key may still
 * sign: its successor's publication lead and one check interval).
 */
export async function loadPublicJwks(
  db: Kysely<AuthDb>,
  options: { now: Date; retainRetiredMs: number },
): Promise<Jwks> {
  const since = new Date(options.now.getTime() - options.retainRetiredMs);
  const rows = await db
    .selectFrom("signing_keys")
    .select("public_jwk")
    .where((eb) => eb.or([eb("retired_at", "is", null), eb("retired_at", ">", since)]))
    .orderBy("created_at", "desc")
    .execute();
  return { keys: rows.map((row) => PublicJwkSchema.parse(row.public_jwk)) };
}
