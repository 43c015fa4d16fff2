import type { Kysely } from "kysely";

/** OAuth/OIDC identities and their encrypted provider tokens; accounts without a password. */
export async function up(db: Kysely<any>): Promise<void> {
  // An account made by a provider sign-up has no password until a reset sets one.
  await db.schema
    .alterTable("accounts")
    .alterColumn("password_hash", (c) => c.dropNotNull())
    .execute();

  await db.schema
    .createTable("oauth_identities")
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("account_id", "uuid", (c) => c.notNull())
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("linked_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("oauth_identities_pk", ["issuer", "subject"])
    .execute();
  await db.schema
    .createIndex("oauth_identities_account_idx")
    .on("oauth_identities")
    .column("account_id")
    .execute();

  // Not event-sourced: secrets, not facts. AES-256-GCM under a key from the environment, by key id.
  await db.schema
    .createTable("oauth_tokens")
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("account_id", "uuid", (c) => c.notNull())
    .addColumn("key_id", "text", (c) => c.notNull())
    .addColumn("ciphertext", "text", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("oauth_tokens_pk", ["issuer", "subject"])
    .execute();
  await db.schema.createIndex("oauth_tokens_account_idx").on("oauth_tokens").column("account_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("oauth_tokens").execute();
  await db.schema.dropTable("oauth_identities").execute();
}
