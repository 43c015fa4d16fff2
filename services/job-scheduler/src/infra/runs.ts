import { ConflictError, type Run, type RunStatus, RunStatusSchema } from "@tessera/contracts";
import type { StoredEvent } from "@tessera/eventstore";
import { isUniqueViolation } from "@tessera/eventstore";
import { type Kysely, sql, type Transaction } from "kysely";
import type { RunEvent, RunQueued } from "../domain/run.ts";
import { recordLastRun } from "./schedule-projection.ts";
import type { JobsDb, RunRow } from "./tables.ts";

type Db = Kysely<JobsDb> | Transaction<JobsDb>;

/** Another replica already queued the run of this schedule occurrence. */
export class OccurrenceAlreadyFiredError extends ConflictError {
  override name = "OccurrenceAlreadyFiredError";
  constructor(options: { cause?: unknown } = {}) {
    super("job.occurrence_fired", "This schedule occurrence already has a run.", options);
  }
}

/**
 * Inline projection: the run history, in the append's transaction, so the admin API and the
 * scheduler's overlap checks read what was just decided.
 */
export async function projectRunEvents(
  trx: Transaction<JobsDb>,
  events: readonly StoredEvent<RunEvent>[],
): Promise<void> {
  for (const event of events) {
    const updatedAt = event.occurredAt;
    switch (event.type) {
      case "job-scheduler.run.queued": {
        await insertOrRequeue(trx, event.data, updatedAt);
        await recordLastRun(trx, event.data);
        break;
      }
      case "job-scheduler.run.started":
        await trx
          .updateTable("runs")
          .set({
            status: "running",
            attempt: event.data.attempt,
            started_at: event.data.startedAt,
            updated_at: updatedAt,
          })
          .where("run_id", "=", event.data.runId)
          .execute();
        break;
      case "job-scheduler.run.failed":
        await trx
          .updateTable("runs")
          .set({
            status: "failed",
            attempt: event.data.attempt,
            error: event.data.error,
            retry_at: event.data.retryAt,
            updated_at: updatedAt,
          })
          .where("run_id", "=", event.data.runId)
          .execute();
        break;
      case "job-scheduler.run.succeeded":
        await finish(
          trx,
          event.data.runId,
          "succeeded",
          event.data.finishedAt,
          null,
          event.data.attempt,
          updatedAt,
        );
        break;
      case "job-scheduler.run.dead":
        await finish(
          trx,
          event.data.runId,
          "dead",
          event.data.diedAt,
          event.data.error,
          event.data.attempt,
          updatedAt,
        );
        break;
      case "job-scheduler.run.cancelled":
        await trx
          .updateTable("runs")
          .set({
            status: "cancelled",
            finished_at: event.data.cancelledAt,
            dispatch_at: null,
            updated_at: updatedAt,
          })
          .where("run_id", "=", event.data.runId)
          .execute();
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled run event ${String(unknown)}`);
      }
    }
  }
}

async function insertOrRequeue(
  trx: Transaction<JobsDb>,
  d: RunQueued["data"],
  updatedAt: string,
): Promise<void> {
  if (d.generation > 1) {
    await trx
      .updateTable("runs")
      .set((eb) => ({
        status: "queued",
        generation: d.generation,
        attempts_before: eb("attempts_before", "+", eb.ref("attempt")),
        attempt: 0,
        queued_at: d.queuedAt,
        run_at: d.runAt,
        started_at: null,
        finished_at: null,
        retry_at: null,
        error: null,
        dispatch_at: d.runAt,
        updated_at: updatedAt,
      }))
      .where("run_id", "=", d.runId)
      .execute();
    return;
  }
  try {
    await trx
      .insertInto("runs")
      .values({
        run_id: d.runId,
        job_type: d.jobType,
        status: "queued",
        generation: d.generation,
        payload: JSON.stringify(d.payload ?? {}),
        schedule_id: d.scheduleId,
        occurrence: d.occurrence,
        queued_at: d.queuedAt,
        run_at: d.runAt,
        dispatch_at: d.runAt,
        updated_at: updatedAt,
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error, "runs_schedule_occurrence_unique")) {
      throw new OccurrenceAlreadyFiredError({ cause: error });
    }
    throw error;
  }
}

async function finish(
  trx: Transaction<JobsDb>,
  runId: string,
  status: RunStatus,
  finishedAt: string,
  error: string | null,
  attempt: number,
  updatedAt: string,
): Promise<void> {
  await trx
    .updateTable("runs")
    .set({
      status,
      finished_at: finishedAt,
      attempt,
      updated_at: updatedAt,
      dispatch_at: null,
      retry_at: null,
      ...(error === null ? {} : { error }),
    })
    .where("run_id", "=", runId)
    .execute();
}

export async function findRun(db: Db, runId: string): Promise<RunRow | undefined> {
  return db.selectFrom("runs").selectAll().where("run_id", "=", runId).executeTakeFirst();
}

export interface RunPageQuery {
  type?: string | undefined;
  status?: RunStatus | undefined;
  limit: number;
  after?: { queuedAt: string; runId: string } | undefined;
}

/** Newest first; keyset pagination on (queued_at, run_id). */
export async function listRuns(db: Db, query: RunPageQuery): Promise<RunRow[]> {
  let q = db.selectFrom("runs").selectAll();
  if (query.type) q = q.where("job_type", "=", query.type);
  if (query.status) q = q.where("status", "=", query.status);
  if (query.after) {
    const { queuedAt, runId } = query.after;
    q = q.where(sql<boolean>`(queued_at, run_id) < (${queuedAt}::timestamptz, ${runId}::uuid)`);
  }
  return q.orderBy("queued_at", "desc").orderBy("run_id", "desc").limit(query.limit).execute();
}

/** Queued runs whose time has come and that were not published yet (or whose publish was lost). */
export async function dueDispatches(db: Db, now: Date, queuedBefore: Date, limit: number): Promise<RunRow[]> {
  return db
    .selectFrom("runs")
    .selectAll()
    .where("dispatch_at", "<=", now)
    .where("queued_at", "<=", queuedBefore)
    .where("status", "=", "queued")
    .orderBy("dispatch_at")
    .limit(limit)
    .execute();
}

export async function markDispatched(db: Db, runId: string, generation: number): Promise<void> {
  await db
    .updateTable("runs")
    .set({ dispatch_at: null })
    .where("run_id", "=", runId)
    .where("generation", "=", generation)
    .execute();
}

/** Removes finished runs older than `before` from the history (their events stay in the store). */
export async function deleteFinishedRunsBefore(db: Db, before: Date): Promise<number> {
  const result = await db
    .deleteFrom("runs")
    .where("status", "in", ["succeeded", "dead", "cancelled"])
    .where("finished_at", "<", before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function toRunView(row: RunRow): Run {
  return {
    id: row.run_id,
    jobType: row.job_type,
    status: RunStatusSchema.parse(row.status),
    attempts: row.attempts_before + row.attempt,
    payload: row.payload,
    scheduleId: row.schedule_id,
    occurrence: row.occurrence?.toISOString() ?? null,
    queuedAt: row.queued_at.toISOString(),
    runAt: row.run_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    error: row.error,
  };
}

/** Runs in the history by job type and status (the ops port's gauge). */
export async function countRunsByTypeAndStatus(
  db: Db,
): Promise<{ jobType: string; status: string; count: number }[]> {
  const rows = await db
    .selectFrom("runs")
    .select((eb) => ["job_type", "status", eb.fn.countAll<string>().as("count")])
    .groupBy(["job_type", "status"])
    .execute();
  return rows.map((row) => ({ jobType: row.job_type, status: row.status, count: Number(row.count) }));
}
