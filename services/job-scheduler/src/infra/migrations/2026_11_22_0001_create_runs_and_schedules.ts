import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("runs")
    .addColumn("run_id", "uuid", (c) => c.primaryKey())
    .addColumn("job_type", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("generation", "integer", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("attempts_before", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("schedule_id", "uuid")
    .addColumn("occurrence", "timestamptz")
    .addColumn("queued_at", "timestamptz", (c) => c.notNull())
    .addColumn("run_at", "timestamptz", (c) => c.notNull())
    .addColumn("started_at", "timestamptz")
    .addColumn("finished_at", "timestamptz")
    .addColumn("retry_at", "timestamptz")
    .addColumn("error", "text")
    .addColumn("dispatch_at", "timestamptz")
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Exactly one run per schedule occurrence, whichever replica fires it.
  await sql`create unique index runs_schedule_occurrence_unique on runs (schedule_id, occurrence)
    where occurrence is not null`.execute(db);
  await sql`create index runs_listing_idx on runs (queued_at desc, run_id desc)`.execute(db);
  await sql`create index runs_type_status_idx on runs (job_type, status, queued_at desc)`.execute(db);
  await sql`create index runs_status_idx on runs (status, queued_at desc)`.execute(db);
  await sql`create index runs_dispatch_idx on runs (dispatch_at) where dispatch_at is not null`.execute(db);
  await sql`create index runs_schedule_idx on runs (schedule_id, queued_at desc)`.execute(db);

  await db.schema
    .createTable("schedules")
    .addColumn("schedule_id", "uuid", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("cron", "text", (c) => c.notNull())
    .addColumn("timezone", "text", (c) => c.notNull())
    .addColumn("job_type", "text", (c) => c.notNull())
    .addColumn("payload", "jsonb", (c) => c.notNull())
    .addColumn("overlap", "text", (c) => c.notNull())
    .addColumn("catch_up", "jsonb", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("next_fire_at", "timestamptz")
    .addColumn("last_run_id", "uuid")
    .addColumn("buffered_occurrence", "timestamptz")
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("deleted_at", "timestamptz")
    .execute();
  await sql`create unique index schedules_name_unique on schedules (lower(name)) where deleted_at is null`.execute(
    db,
  );
  await sql`create index schedules_due_idx on schedules (next_fire_at) where status = 'active'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("schedules").execute();
  await db.schema.dropTable("runs").execute();
}
