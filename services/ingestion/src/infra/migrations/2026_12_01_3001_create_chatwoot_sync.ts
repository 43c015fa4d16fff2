import type { Kysely } from "kysely";

/**
 * The Chatwoot connector's state: per source its compound cursor and a rate limit to honour, per
 * conversation where its messages are read from again, and the scheduler's schedule that syncs a
 * source on its own.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("chatwoot_sync_state")
    .addColumn("source_id", "uuid", (c) => c.primaryKey())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("cursor_activity_at", "bigint")
    .addColumn("cursor_conversation_id", "bigint")
    .addColumn("not_before", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("chatwoot_conversation_sync")
    .addColumn("source_id", "uuid", (c) => c.notNull())
    .addColumn("project_id", "uuid", (c) => c.notNull())
    .addColumn("conversation_id", "bigint", (c) => c.notNull())
    .addColumn("activity_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "double precision")
    .addColumn("message_anchor_id", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("chatwoot_conversation_sync_pk", ["source_id", "conversation_id"])
    .execute();

  await db.schema
    .createTable("source_schedules")
    .addColumn("source_id", "uuid", (c) => c.primaryKey())
    .addColumn("schedule_id", "uuid", (c) => c.notNull())
    .addColumn("cron", "text", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ["source_schedules", "chatwoot_conversation_sync", "chatwoot_sync_state"]) {
    await db.schema.dropTable(table).execute();
  }
}
