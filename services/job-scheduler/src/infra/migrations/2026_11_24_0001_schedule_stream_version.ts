import { type Kysely, sql } from "kysely";

/**
 * Each schedules row records the stream version it shows, so the schedule's commands decide on the
 * row instead of folding a stream that grows by one event per firing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("schedules")
    .addColumn("stream_version", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`update schedules s set stream_version = coalesce(
    (select max(e.stream_version) from events e where e.stream_id = 'schedule-' || s.schedule_id::text), 0)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("schedules").dropColumn("stream_version").execute();
}
