import { randomUUID, type webcrypto } from "node:crypto";
import type { Jwks } from "@tessera/contracts";
import { exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { type Kysely, sql } from "kysely";
import type { AuthDb } from "./tables.ts";

export const SIGNING_ALGORITHM = "EdDSA";

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: webcrypto.CryptoKey;
}

/** Serialises key creation across replicas starting at once. */
const SIGNING_KEY_LOCK = 0x7e55_0a01;

/** The newest active key, created on first start; every replica signs with the same one. */
export async function ensureSigningKey(db: Kysely<AuthDb>): Promise<SigningKey> {
  const row = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${SIGNING_KEY_LOCK})`.execute(trx);
    const existing = await trx
      .selectFrom("signing_keys")
      .select(["kid", "private_jwk"])
      .where("retired_at", "is", null)
      .orderBy("created_at", "desc")
      .executeTakeFirst();
    if (existing) return existing;
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
      })
      .execute();
    return { kid, private_jwk: privateJwk };
  });
  const privateKey = await importJWK(row.private_jwk as JWK, SIGNING_ALGORITHM);
  if (privateKey instanceof Uint8Array) throw new TypeError("signing key imported as raw bytes, not a key");
  return { kid: row.kid, privateKey };
}

/** Public keys of every key still able to verify a live token. */
export async function loadPublicJwks(db: Kysely<AuthDb>, retiredWithinMs: number): Promise<Jwks> {
  const since = new Date(Date.now() - retiredWithinMs).toISOString();
  const rows = await db
    .selectFrom("signing_keys")
    .select("public_jwk")
    .where((eb) => eb.or([eb("retired_at", "is", null), eb("retired_at", ">", new Date(since))]))
    .orderBy("created_at", "desc")
    .execute();
  return { keys: rows.map((row) => row.public_jwk as Jwks["keys"][number]) };
}
