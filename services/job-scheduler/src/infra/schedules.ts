import { CatchUpSchema, OverlapPolicySchema, type Schedule, ScheduleStatusSchema } from "@tessera/contracts";
import type { StoredEvent } from "@tessera/eventstore";
import { isUniqueViolation } from "@tessera/eventstore";
import { type Kysely, sql, type Transaction } from "kysely";
import { parseCron } from "../domain/cron.ts";
import { ScheduleExistsError } from "../domain/errors.ts";
import type { ScheduleEvent } from "../domain/schedule.ts";
import type { JobsDb, ScheduleRow } from "./tables.ts";

type Db = Kysely<JobsDb> | Transaction<JobsDb>;

/** Inline projection of schedules; the next occurrence is computed when a schedule starts or resumes. */
export async function projectScheduleEvents(
  trx: Transaction<JobsDb>,
  events: readonly StoredEvent<ScheduleEvent>[],
): Promise<void> {
  for (const event of events) {
    switch (event.type) {
      case "job-scheduler.schedule.created": {
        const d = event.data;
        const next = parseCron(d.cron, d.timezone).next(new Date(d.createdAt));
        try {
          await trx
            .insertInto("schedules")
            .values({
              schedule_id: d.scheduleId,
              name: d.name,
              cron: d.cron,
              timezone: d.timezone,
              job_type: d.jobType,
              payload: JSON.stringify(d.payload ?? {}),
              overlap: d.overlap,
              catch_up: JSON.stringify(d.catchUp),
              status: "active",
              next_fire_at: next?.toISOString() ?? null,
              created_at: d.createdAt,
            })
            .execute();
        } catch (error) {
          if (isUniqueViolation(error)) {
            throw new ScheduleExistsError(`A schedule named "${d.name}" already exists.`, { cause: error });
          }
          throw error;
        }
        break;
      }
      case "job-scheduler.schedule.paused":
        await setStatus(trx, event.data.scheduleId, "paused");
        break;
      case "job-scheduler.schedule.resumed": {
        // Occurrences while paused are not caught up: the schedule restarts from now.
        const row = await findSchedule(trx, event.data.scheduleId);
        const next = row ? parseCron(row.cron, row.timezone).next(new Date(event.data.resumedAt)) : null;
        await trx
          .updateTable("schedules")
          .set({ status: "active", next_fire_at: next?.toISOString() ?? null, buffered_occurrence: null })
          .where("schedule_id", "=", event.data.scheduleId)
          .execute();
        break;
      }
      case "job-scheduler.schedule.triggered":
        break;
      case "job-scheduler.schedule.deleted":
        await trx
          .updateTable("schedules")
          .set({ status: "deleted", deleted_at: event.data.deletedAt, next_fire_at: null })
          .where("schedule_id", "=", event.data.scheduleId)
          .execute();
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled schedule event ${String(unknown)}`);
      }
    }
  }
}

async function setStatus(trx: Transaction<JobsDb>, scheduleId: string, status: string): Promise<void> {
  await trx.updateTable("schedules").set({ status }).where("schedule_id", "=", scheduleId).execute();
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
