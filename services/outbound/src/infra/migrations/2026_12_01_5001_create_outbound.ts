import { type Kysely, sql } from "kysely";

/**
 * Read models of the contact, endpoint, settings and message streams, and the attempts of each
 * delivery. Projected in the transaction of the append, so the next request sees them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("contacts")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("email", "text")
    .addColumn("name", "text")
    .addColumn("timezone", "text")
    .addColumn("external_refs", "jsonb", (c) => c.notNull())
    .addColumn("chatwoot_ref", "text")
    .addColumn("email_index", "text")
    .addColumn("unsubscribe_token_hash", "text", (c) => c.notNull().unique())
    .addColumn("unsubscribe_token", "jsonb", (c) => c.notNull())
    .addColumn("opted_out", "boolean", (c) => c.notNull())
    .addColumn("stop_on_reply", "boolean", (c) => c.notNull())
    .addColumn("max_per_day", "integer")
    .addColumn("max_per_week", "integer")
    .addColumn("quiet_hours", "jsonb")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();
  await sql`create index contacts_project_page on contacts (project_id, created_at, id)`.execute(db);
  await sql`create index contacts_email_index on contacts (project_id, email_index)`.execute(db);
  await sql`create index contacts_chatwoot_ref on contacts (project_id, chatwoot_ref)`.execute(db);

  await db.schema
    .createTable("endpoints")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("disabled_reason", "text")
    .addColumn("secret", "jsonb", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .execute();
  await sql`create index endpoints_project_page on endpoints (project_id, created_at, id)`.execute(db);

  await db.schema
    .createTable("project_settings")
    .addColumn("project_id", "uuid", (c) => c.primaryKey())
    .addColumn("four_eyes", "boolean", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("messages")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid")
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("system", "boolean", (c) => c.notNull())
    .addColumn("contact_id", "uuid")
    .addColumn("endpoint_id", "uuid")
    .addColumn("to_address", "text")
    .addColumn("subject", "text")
    .addColumn("text", "text")
    .addColumn("html", "text")
    .addColumn("event_type", "text")
    .addColumn("payload", "jsonb")
    .addColumn("dedupe_scope", "text")
    .addColumn("dedupe_key", "text")
    .addColumn("send_at", "timestamptz")
    .addColumn("due_at", "timestamptz")
    .addColumn("evidence_refs", "jsonb", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("approved_by", "text")
    .addColumn("reason", "text")
    .addColumn("needs_attention", "boolean", (c) => c.notNull())
    .addColumn("sent_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();
  // One logical message per (project, contact or endpoint or address, key).
  await sql`create unique index messages_dedupe on messages (dedupe_scope, dedupe_key)
              where dedupe_key is not null`.execute(db);
  await sql`create index messages_project_page on messages (project_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index messages_project_status on messages (project_id, status, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index messages_contact_sent on messages (contact_id, sent_at) where sent_at is not null`.execute(
    db,
  );

  await db.schema
    .createTable("attempts")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("message_id", "uuid", (c) => c.notNull())
    .addColumn("at", "timestamptz", (c) => c.notNull())
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("code", "integer")
    .addColumn("provider_message_id", "text")
    .addColumn("error", "text")
    .addColumn("finished_at", "timestamptz")
    .execute();
  await sql`create index attempts_message on attempts (message_id, at, id)`.execute(db);
}
