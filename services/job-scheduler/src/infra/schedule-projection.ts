import type { AnyTransaction, AsyncProjection, StoredEvent } from "@tessera/eventstore";
import { isUniqueViolation } from "@tessera/eventstore";
import { sql, type Transaction } from "kysely";
import { parseCron } from "../domain/cron.ts";
import { ScheduleExistsError } from "../domain/errors.ts";
import type { RunEvent } from "../domain/run.ts";
import type { ScheduleEvent } from "../domain/schedule.ts";
import { findSchedule } from "./schedules.ts";
import type { JobsDb } from "./tables.ts";

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

/** The run a schedule queued last (scheduled, triggered or replayed). */
export async function recordLastRun(
  trx: Transaction<JobsDb>,
  run: Extract<RunEvent, { type: "job-scheduler.run.queued" }>["data"],
): Promise<void> {
  if (run.scheduleId === null) return;
  await trx
    .updateTable("schedules")
    .set({ last_run_id: run.runId })
    .where("schedule_id", "=", run.scheduleId)
    .execute();
}

const SCHEDULE_EVENT_TYPES: ReadonlySet<string> = new Set<ScheduleEvent["type"]>([
  "job-scheduler.schedule.created",
  "job-scheduler.schedule.paused",
  "job-scheduler.schedule.resumed",
  "job-scheduler.schedule.triggered",
  "job-scheduler.schedule.deleted",
]);

function isScheduleEvent(event: StoredEvent): event is StoredEvent<ScheduleEvent> {
  return SCHEDULE_EVENT_TYPES.has(event.type);
}

function isRunQueued(
  event: StoredEvent,
): event is StoredEvent<Extract<RunEvent, { type: "job-scheduler.run.queued" }>> {
  return event.type === "job-scheduler.run.queued";
}

/**
 * The schedules read model as a projection that `rebuildProjection` can replay from the events (the
 * service itself projects inline, in each append's transaction).
 */
export const schedulesReadModel: AsyncProjection = {
  name: "schedules-read-model",
  async handle(trx: AnyTransaction, event: StoredEvent) {
    if (isScheduleEvent(event)) await projectScheduleEvents(trx, [event]);
    else if (isRunQueued(event)) await recordLastRun(trx, event.data);
  },
  async reset(trx: AnyTransaction) {
    await sql`truncate schedules`.execute(trx);
  },
};
