import { CatchUpSchema, OverlapPolicySchema, type Schedule, ScheduleStatusSchema } from "@tessera/contracts";
import { type Kysely, sql, type Transaction } from "kysely";
import type { ScheduleDefinition, ScheduleState } from "../domain/schedule.ts";
import type { JobsDb, ScheduleRow } from "./tables.ts";

type Db = Kysely<JobsDb> | Transaction<JobsDb>;

/**
 * The schedule aggregate as its row holds it, with the stream version the row is at (0 and absent
 * when there is no row). The row is the inline projection of the stream, written in each append's
 * transaction, so it is the stream folded up to that version without reading the stream.
 */
export async function loadScheduleState(
  db: Db,
  scheduleId: string,
): Promise<{ state: ScheduleState; version: number }> {
  const row = await db
    .selectFrom("schedules")
    .selectAll()
    .where("schedule_id", "=", scheduleId)
    .executeTakeFirst();
  if (row === undefined) return { state: { status: "absent" }, version: 0 };
  const status = row.deleted_at === null ? ScheduleStatusSchema.parse(row.status) : "deleted";
  const cursor = {
    nextFireAt: row.next_fire_at?.toISOString() ?? null,
    bufferedOccurrence: row.buffered_occurrence?.toISOString() ?? null,
  };
  return { state: { status, definition: definitionOf(row), cursor }, version: row.stream_version };
}

export function definitionOf(row: ScheduleRow): ScheduleDefinition {
  return {
    scheduleId: row.schedule_id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    jobType: row.job_type,
    payload: row.payload,
    overlap: OverlapPolicySchema.parse(row.overlap),
    catchUp: CatchUpSchema.parse(row.catch_up),
  };
}

export async function findSchedule(db: Db, scheduleId: string): Promise<ScheduleRow | undefined> {
  return db
    .selectFrom("schedules")
    .selectAll()
    .where("schedule_id", "=", scheduleId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

/** Oldest first; keyset pagination on (created_at, schedule_id). */
export async function listSchedules(
  db: Db,
  query: { limit: number; after?: { createdAt: string; scheduleId: string } | undefined },
): Promise<ScheduleRow[]> {
  let q = db.selectFrom("schedules").selectAll().where("deleted_at", "is", null);
  if (query.after) {
    const { createdAt, scheduleId } = query.after;
    q = q.where(sql<boolean>`(created_at, schedule_id) > (${createdAt}::timestamptz, ${scheduleId}::uuid)`);
  }
  return q.orderBy("created_at").orderBy("schedule_id").limit(query.limit).execute();
}

/** Active schedules with an occurrence due, or a buffered occurrence waiting. */
export async function dueSchedules(db: Db, now: Date, limit: number): Promise<ScheduleRow[]> {
  return db
    .selectFrom("schedules")
    .selectAll()
    .where("status", "=", "active")
    .where((eb) => eb.or([eb("next_fire_at", "<=", now), eb("buffered_occurrence", "is not", null)]))
    .orderBy("next_fire_at")
    .limit(limit)
    .execute();
}

/**
 * Whether a run of the schedule (scheduled, triggered or replayed) has not finished yet. The finished
 * statuses are spelt out to match the partial index `runs_unfinished_by_schedule_idx`.
 */
export async function hasUnfinishedRun(db: Db, scheduleId: string): Promise<boolean> {
  const row = await db
    .selectFrom("runs")
    .select("run_id")
    .where("schedule_id", "=", scheduleId)
    .where(sql<boolean>`status not in ('succeeded', 'dead', 'cancelled')`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export function toScheduleView(row: ScheduleRow): Schedule {
  const { scheduleId, ...definition } = definitionOf(row);
  return {
    id: scheduleId,
    ...definition,
    status: ScheduleStatusSchema.parse(row.status),
    nextFireAt: row.next_fire_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
