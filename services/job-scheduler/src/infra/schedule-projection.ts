import type { AnyTransaction, AsyncProjection, StoredEvent } from "@tessera/eventstore";
import { isUniqueViolation } from "@tessera/eventstore";
import { type Insertable, sql, type Transaction, type Updateable } from "kysely";
import { ScheduleExistsError } from "../domain/errors.ts";
import type { RunQueued } from "../domain/run.ts";
import { firstOccurrenceAfter, type ScheduleEvent } from "../domain/schedule.ts";
import { definitionOf, findSchedule } from "./schedules.ts";
import type { JobsDb, SchedulesTable } from "./tables.ts";

type ScheduleCreated = Extract<ScheduleEvent, { type: "job-scheduler.schedule.created" }>;

/**
 * Inline projection of schedules: each row is its schedule's state (the firing cursor included) at
 * the stream version it records, which is what the schedule's commands decide on.
 */
export async function projectScheduleEvents(
  trx: Transaction<JobsDb>,
  events: readonly StoredEvent<ScheduleEvent>[],
): Promise<void> {
  for (const event of events) {
    if (event.type === "job-scheduler.schedule.created") {
      await insertSchedule(trx, event);
      continue;
    }
    const change = await changeOf(trx, event);
    await updateSchedule(trx, event.data.scheduleId, { ...change, stream_version: event.streamVersion });
  }
}

async function insertSchedule(trx: Transaction<JobsDb>, event: StoredEvent<ScheduleCreated>): Promise<void> {
  try {
    await trx.insertInto("schedules").values(newScheduleRow(event)).execute();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new ScheduleExistsError(`A schedule named "${event.data.name}" already exists.`, {
        cause: error,
      });
    }
    throw error;
  }
}

function newScheduleRow(event: StoredEvent<ScheduleCreated>): Insertable<SchedulesTable> {
  const { createdAt, ...definition } = event.data;
  return {
    schedule_id: definition.scheduleId,
    name: definition.name,
    cron: definition.cron,
    timezone: definition.timezone,
    job_type: definition.jobType,
    payload: JSON.stringify(definition.payload ?? {}),
    overlap: definition.overlap,
    catch_up: JSON.stringify(definition.catchUp),
    status: "active",
    next_fire_at: firstOccurrenceAfter(definition, createdAt),
    created_at: createdAt,
    stream_version: event.streamVersion,
  };
}

type ScheduleChange = Updateable<SchedulesTable>;

async function changeOf(
  trx: Transaction<JobsDb>,
  event: Exclude<ScheduleEvent, { type: "job-scheduler.schedule.created" }>,
): Promise<ScheduleChange> {
  switch (event.type) {
    case "job-scheduler.schedule.paused":
      return { status: "paused" };
    case "job-scheduler.schedule.resumed": {
      const row = await findSchedule(trx, event.data.scheduleId);
      const next = row ? firstOccurrenceAfter(definitionOf(row), event.data.resumedAt) : null;
      return { status: "active", next_fire_at: next, buffered_occurrence: null };
    }
    case "job-scheduler.schedule.triggered":
      return {};
    case "job-scheduler.schedule.deleted":
      return {
        status: "deleted",
        deleted_at: event.data.deletedAt,
        next_fire_at: null,
        buffered_occurrence: null,
      };
    case "job-scheduler.schedule.advanced":
      return { next_fire_at: event.data.nextFireAt, buffered_occurrence: event.data.bufferedOccurrence };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled schedule event ${String(unknown)}`);
    }
  }
}

async function updateSchedule(
  trx: Transaction<JobsDb>,
  scheduleId: string,
  change: ScheduleChange,
): Promise<void> {
  await trx.updateTable("schedules").set(change).where("schedule_id", "=", scheduleId).execute();
}

/** The run a schedule queued last (scheduled, triggered or replayed). */
export async function recordLastRun(trx: Transaction<JobsDb>, run: RunQueued["data"]): Promise<void> {
  if (run.scheduleId === null) return;
  await trx
    .updateTable("schedules")
    .set({ last_run_id: run.runId })
    .where("schedule_id", "=", run.scheduleId)
    .execute();
}

/** Every `job-scheduler.schedule.*` event in the store is one of the schedule aggregate's. */
function isScheduleEvent(event: StoredEvent): event is StoredEvent<ScheduleEvent> {
  return event.type.startsWith("job-scheduler.schedule.");
}

function isRunQueued(event: StoredEvent): event is StoredEvent<RunQueued> {
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
