import { CatchUpSchema, OverlapPolicySchema, type Schedule, ScheduleStatusSchema } from "@tessera/contracts";
import { type Kysely, sql, type Transaction } from "kysely";
import type { JobsDb, ScheduleRow } from "./tables.ts";

type Db = Kysely<JobsDb> | Transaction<JobsDb>;

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

/** Moves the cursor only forward, so a slower replica cannot move it back. */
export async function advanceSchedule(
  db: Db,
  scheduleId: string,
  from: Date,
  change: { nextFireAt: Date | null; bufferedOccurrence: Date | null | undefined },
): Promise<void> {
  await db
    .updateTable("schedules")
    .set({
      next_fire_at: change.nextFireAt?.toISOString() ?? null,
      ...(change.bufferedOccurrence === undefined
        ? {}
        : { buffered_occurrence: change.bufferedOccurrence?.toISOString() ?? null }),
    })
    .where("schedule_id", "=", scheduleId)
    .where("next_fire_at", "=", from)
    .execute();
}

export async function setBufferedOccurrence(
  db: Db,
  scheduleId: string,
  occurrence: Date | null,
): Promise<void> {
  await db
    .updateTable("schedules")
    .set({ buffered_occurrence: occurrence?.toISOString() ?? null })
    .where("schedule_id", "=", scheduleId)
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
  return {
    id: row.schedule_id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    jobType: row.job_type,
    payload: row.payload,
    overlap: OverlapPolicySchema.parse(row.overlap),
    catchUp: CatchUpSchema.parse(row.catch_up),
    status: ScheduleStatusSchema.parse(row.status),
    nextFireAt: row.next_fire_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}
