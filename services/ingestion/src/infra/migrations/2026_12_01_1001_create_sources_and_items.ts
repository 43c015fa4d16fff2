import { type Kysely, sql } from "kysely";

/**
 * Sources and their bindings to external accounts (read models of the source streams), raw items
 * (the items read model) with the bodies of their revisions, and the webhook dedupe window.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("sources")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("paused", "boolean", (c) => c.notNull())
    .addColumn("config", "jsonb", (c) => c.notNull())
    .addColumn("settings", "jsonb", (c) => c.notNull())
    .addColumn("secrets", "jsonb", (c) => c.notNull())
    .addColumn("last_sync_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();
  await sql`create index sources_project_page on sources (project_id, created_at, id)`.execute(db);

  await db.schema
    .createTable("source_bindings")
    .addColumn("account_key", "text", (c) => c.notNull())
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("source_id", "uuid", (c) => c.notNull())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addPrimaryKeyConstraint("source_bindings_unique", ["account_key", "scope"])
    .execute();
  await sql`create index source_bindings_source on source_bindings (source_id)`.execute(db);

  await db.schema
    .createTable("items")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("source_id", "uuid", (c) => c.notNull())
    .addColumn("external_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("bytes", "integer", (c) => c.notNull())
    .addColumn("first_received_at", "timestamptz", (c) => c.notNull())
    .addColumn("received_at", "timestamptz", (c) => c.notNull())
    .addUniqueConstraint("items_source_external_unique", ["source_id", "external_id"])
    .execute();
  await sql`create index items_source_page on items (project_id, source_id, first_received_at desc, id desc)`.execute(
    db,
  );

  // Not a read model: the bytes are the primary copy (events carry only their hash).
  await db.schema
    .createTable("item_revisions")
    .addColumn("item_id", "uuid", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("source_id", "uuid", (c) => c.notNull())
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("headers", "jsonb", (c) => c.notNull())
    .addColumn("body", "bytea", (c) => c.notNull())
    .addColumn("received_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("item_revisions_pk", ["item_id", "revision"])
    .execute();
  await sql`create index item_revisions_source on item_revisions (source_id)`.execute(db);

  await db.schema
    .createTable("hook_deliveries")
    .addColumn("source_id", "uuid", (c) => c.notNull())
    .addColumn("delivery_id", "text", (c) => c.notNull())
    .addColumn("received_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("hook_deliveries_pk", ["source_id", "delivery_id"])
    .execute();
  await sql`create index hook_deliveries_received on hook_deliveries (received_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["hook_deliveries", "item_revisions", "items", "source_bindings", "sources"]) {
    await db.schema.dropTable(table).execute();
  }
}
