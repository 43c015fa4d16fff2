import { type Kysely, sql } from "kysely";

/** Documents, their content, and their chunks. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("documents")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("source_id", "uuid")
    .addColumn("collection_id", "uuid")
    .addColumn("external_id", "text")
    .addColumn("title", "text")
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("metadata", "jsonb", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("bytes", "integer", (c) => c.notNull())
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("chunk_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addColumn("work_after", "timestamptz")
    .addColumn("work_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // One live document per external id in a project and source (no source counts as one).
  await sql`
    create unique index documents_external_id_unique
    on documents (project_id, coalesce(source_id, '00000000-0000-0000-0000-000000000000'::uuid), external_id)
    where external_id is not null and status <> 'deleting'
  `.execute(db);
  await sql`create index documents_project_page on documents (project_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`create index documents_source on documents (project_id, source_id) where source_id is not null`.execute(
    db,
  );
  await sql`create index documents_work on documents (work_after) where work_after is not null`.execute(db);

  await db.schema
    .createTable("document_contents")
    .addColumn("document_id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("charset", "text")
    .addColumn("body", "bytea", (c) => c.notNull())
    .addColumn("text", "text")
    .addColumn("text_revision", "integer")
    .execute();

  await db.schema
    .createTable("chunks")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("document_id", "uuid", (c) => c.notNull())
    .addColumn("natural_key", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("start_offset", "integer", (c) => c.notNull())
    .addColumn("end_offset", "integer", (c) => c.notNull())
    .addColumn("heading_path", "jsonb", (c) => c.notNull())
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("memory_id", "uuid", (c) => c.notNull().unique())
    .addColumn("embedded_at", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addUniqueConstraint("chunks_document_key_unique", ["document_id", "natural_key"])
    .execute();
  await sql`create index chunks_document_position on chunks (document_id, position)`.execute(db);

  await db.schema
    .createTable("chunk_removals")
    .addColumn("document_id", "uuid", (c) => c.notNull())
    .addColumn("natural_key", "text", (c) => c.notNull())
    .addColumn("removals", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("chunk_removals_pk", ["document_id", "natural_key"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("chunk_removals").execute();
  await db.schema.dropTable("chunks").execute();
  await db.schema.dropTable("document_contents").execute();
  await db.schema.dropTable("documents").execute();
}
