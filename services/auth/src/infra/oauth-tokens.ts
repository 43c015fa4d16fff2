import { type AesKeyRing, openSecret, sealSecret } from "@tessera/service-kit";
import type { Kysely, Transaction } from "kysely";
import { z } from "zod";
import type { ProviderTokens } from "./oauth-clients.ts";
import type { AuthDb } from "./tables.ts";

type Db = Kysely<AuthDb> | Transaction<AuthDb>;

const ProviderTokensSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string().optional(),
  idToken: z.string().optional(),
  expiresAt: z.number().optional(),
  scope: z.string().optional(),
});

interface IdentityRef {
  issuer: string;
  subject: string;
  accountId: string;
}

/** Binds a sealed token set to its identity and account: a row copied elsewhere does not open. */
function tokensAad(identity: IdentityRef): string {
  return `tessera:oauth-tokens:v1\u0000${identity.issuer}\u0000${identity.subject}\u0000${identity.accountId}`;
}

/** Keeps the provider's latest tokens, AES-256-GCM under the ring's current key. */
export async function saveProviderTokens(
  db: Db,
  keys: AesKeyRing,
  identity: IdentityRef,
  tokens: ProviderTokens,
  now: Date,
): Promise<void> {
  const sealed = sealSecret(keys.current, JSON.stringify(tokens), tokensAad(identity));
  const row = {
    issuer: identity.issuer,
    subject: identity.subject,
    account_id: identity.accountId,
    key_id: sealed.keyId,
    ciphertext: sealed.ciphertext,
    updated_at: now,
  };
  await db
    .insertInto("oauth_tokens")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["issuer", "subject"]).doUpdateSet({
        account_id: row.account_id,
        key_id: row.key_id,
        ciphertext: row.ciphertext,
        updated_at: row.updated_at,
      }),
    )
    .execute();
}

/** The stored tokens of an identity, opened with whichever key of the ring sealed them. */
export async function loadProviderTokens(
  db: Db,
  keys: AesKeyRing,
  identity: IdentityRef,
): Promise<ProviderTokens | undefined> {
  const row = await db
    .selectFrom("oauth_tokens")
    .select(["key_id", "ciphertext"])
    .where("issuer", "=", identity.issuer)
    .where("subject", "=", identity.subject)
    .where("account_id", "=", identity.accountId)
    .executeTakeFirst();
  if (!row) return undefined;
  const json = openSecret(keys, { keyId: row.key_id, ciphertext: row.ciphertext }, tokensAad(identity));
  return ProviderTokensSchema.parse(JSON.parse(json));
}
