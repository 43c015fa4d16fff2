import { type Kysely, sql } from "kysely";

/**
 * Read models. `embedding` is an untyped `vector`: the dimension follows the configured model, and
 * each dimension in use gets its own partial HNSW index (see infra/embedding-index.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("collections")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();
  await sql`create unique index collections_project_name_unique on collections (project_id, lower(name))`.execute(
    db,
  );
  await sql`create index collections_project_page on collections (project_id, created_at, id)`.execute(db);

  await db.schema
    .createTable("memories")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("collection_id", "uuid")
    .addColumn("owner_id", "uuid")
    .addColumn("tier", "text", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("content_hash", "text", (c) => c.notNull())
    .addColumn("metadata", "jsonb", (c) => c.notNull())
    .addColumn("importance", "real", (c) => c.notNull())
    .addColumn("source_refs", "jsonb", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("valid_from", "timestamptz", (c) => c.notNull())
    .addColumn("valid_to", "timestamptz")
    .addColumn("expires_at", "timestamptz")
    .addColumn("superseded_by", "uuid")
    .addColumn("reinforcements", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addColumn("last_seen_at", "timestamptz", (c) => c.notNull())
    // Access bookkeeping for ranking decay: read-model only, not events.
    .addColumn("last_accessed_at", "timestamptz")
    .addColumn("access_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("embedding", sql`vector`)
    .addColumn("embedding_model", "text")
    .addColumn("embedding_dims", "integer")
    .addColumn("embedding_version", "integer")
    // Worker bookkeeping: when the next attempt may run, and how many failed.
    .addColumn("embed_after", "timestamptz")
    .addColumn("embed_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("content_tsv", sql`tsvector`, (c) =>
      c.generatedAlwaysAs(sql`to_tsvector('english', content)`).stored(),
    )
    .execute();
  await sql`create index memories_project_collection on memories (project_id, collection_id)`.execute(db);
  await sql`create index memories_project_hash on memories (project_id, content_hash)`.execute(db);
  await sql`create index memories_owner on memories (owner_id) where owner_id is not null`.execute(db);
  await sql`create index memories_tsv on memories using gin (content_tsv)`.execute(db);
  await sql`create index memories_metadata on memories using gin (metadata jsonb_path_ops)`.execute(db);
  await sql`create index memories_expiry on memories (expires_at) where expires_at is not null`.execute(db);
  await sql`create index memories_pending on memories (embed_after) where embed_after is not null`.execute(
    db,
  );

  await db.schema
    .createTable("memory_versions")
    .addColumn("memory_id", "uuid", (c) => c.notNull())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("content", "text", (c) => c.notNull())
    .addColumn("tier", "text", (c) => c.notNull())
    .addColumn("metadata", "jsonb", (c) => c.notNull())
    .addColumn("importance", "real", (c) => c.notNull())
    .addColumn("valid_from", "timestamptz", (c) => c.notNull())
    .addColumn("valid_to", "timestamptz")
    .addColumn("recorded_at", "timestamptz", (c) => c.notNull())
    .addPrimaryKeyConstraint("memory_versions_pk", ["memory_id", "version"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("memory_versions").execute();
  await db.schema.dropTable("memories").execute();
  await db.schema.dropTable("collections").execute();
}
