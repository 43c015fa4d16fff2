import { type Kysely, sql } from "kysely";

/** Refresh rotation, link tokens, verified emails and login throttling. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("sessions")
    .addColumn("method", "text", (c) => c.notNull().defaultTo("password"))
    .addColumn("last_used_at", "timestamptz")
    .addColumn("revoke_reason", "text")
    .execute();
  await sql`update sessions set last_used_at = started_at`.execute(db);
  await db.schema
    .alterTable("sessions")
    .alterColumn("last_used_at", (c) => c.setNotNull())
    .execute();

  // Every refresh-token hash ever issued, current or rotated out, so a reuse finds its family.
  await db.schema
    .createTable("refresh_tokens")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("session_id", "uuid", (c) => c.notNull())
    .addColumn("issued_at", "timestamptz", (c) => c.notNull())
    .execute();
  await sql`insert into refresh_tokens (token_hash, session_id, issued_at)
            select refresh_token_hash, session_id, started_at from sessions`.execute(db);

  await db.schema.alterTable("accounts").addColumn("email_verified_at", "timestamptz").execute();

  await db.schema
    .createTable("link_tokens")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("account_id", "uuid", (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("expires_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("link_tokens_account_idx").on("link_tokens").column("account_id").execute();

  // Keys are `account:<sha256 of the normalised email>` or `ip:<address>`: no email in plaintext.
  await db.schema
    .createTable("login_failures")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("failures", "integer", (c) => c.notNull())
    .addColumn("last_failure_at", "timestamptz", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("login_failures_last_failure_idx")
    .on("login_failures")
    .column("last_failure_at")
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("login_failures").execute();
  await db.schema.dropTable("link_tokens").execute();
  await db.schema.alterTable("accounts").dropColumn("email_verified_at").execute();
  await db.schema.dropTable("refresh_tokens").execute();
  await db.schema
    .alterTable("sessions")
    .dropColumn("method")
    .dropColumn("last_used_at")
    .dropColumn("revoke_reason")
    .execute();
}
