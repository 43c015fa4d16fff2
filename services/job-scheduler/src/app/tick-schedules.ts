import { CatchUpSchema, JOB_TYPES, OverlapPolicySchema } from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import { parseCron } from "../domain/cron.ts";
import { planFirings } from "../domain/firing.ts";
import { OccurrenceAlreadyFiredError } from "../infra/runs.ts";
import {
  advanceSchedule,
  dueSchedules,
  hasUnfinishedRun,
  setBufferedOccurrence,
} from "../infra/schedules.ts";
import type { ScheduleRow } from "../infra/tables.ts";
import type { JobsDeps } from "./deps.ts";
import { derivedUuid } from "./ids.ts";
import { queueRun } from "./queue-run.ts";

export interface TickOptions {
  /** An occurrence later than this is missed and follows the catch-up policy, in ms. */
  graceMs: number;
}

/**
 * One pass of the leader over due schedules. Each occurrence's run id is derived from (schedule,
 * occurrence) and the run history has a unique key on the pair, so even two leaders at once (a lost
 * lock not yet noticed) queue each occurrence once.
 */
export async function tickSchedules(deps: JobsDeps, opts: TickOptions, now: Date): Promise<void> {
  for (const row of await dueSchedules(deps.db, now, 100)) {
    try {
      await fireSchedule(deps, opts, row, now);
    } catch (err) {
      deps.logger.error({ err, scheduleId: row.schedule_id }, "could not fire a schedule");
    }
  }
}

async function fireSchedule(deps: JobsDeps, opts: TickOptions, row: ScheduleRow, now: Date): Promise<void> {
  const overlap = OverlapPolicySchema.parse(row.overlap);
  // Any unfinished run of the schedule counts, not only the last queued: a manual trigger or a replay
  // that ends first must not let the next occurrence overlap a scheduled run still going.
  const previousRunning = () => hasUnfinishedRun(deps.db, row.schedule_id);
  const fire = async (occurrence: Date) => {
    await fireOccurrence(deps, row, occurrence);
  };

  if (row.buffered_occurrence !== null && !(await previousRunning())) {
    await fire(row.buffered_occurrence);
    await setBufferedOccurrence(deps.db, row.schedule_id, null);
  }
  if (row.next_fire_at === null || row.next_fire_at > now) return;

  const plan = planFirings(parseCron(row.cron, row.timezone), {
    nextFireAt: row.next_fire_at,
    now,
    catchUp: CatchUpSchema.parse(row.catch_up),
    graceMs: opts.graceMs,
  });
  let buffered: Date | null | undefined;
  let overlapped = 0;
  for (const occurrence of plan.fire) {
    if (overlap !== "allow_all" && (await previousRunning())) {
      overlapped += 1;
      if (overlap === "buffer_one") buffered = occurrence;
      continue;
    }
    await fire(occurrence);
  }
  if (plan.skipped > 0 || overlapped > 0) {
    deps.logger.info(
      { scheduleId: row.schedule_id, missedSkipped: plan.skipped, overlapped, overlap },
      "schedule occurrences not run",
    );
  }
  await advanceSchedule(deps.db, row.schedule_id, row.next_fire_at, {
    nextFireAt: plan.nextFireAt,
    bufferedOccurrence: buffered,
  });
}

async function fireOccurrence(deps: JobsDeps, row: ScheduleRow, occurrence: Date): Promise<void> {
  const runId = derivedUuid("schedule", row.schedule_id, occurrence.toISOString());
  const type = JOB_TYPES.find((candidate) => candidate.name === row.job_type);
  if (!type) {
    deps.logger.error(
      { scheduleId: row.schedule_id, jobType: row.job_type },
      "schedule names an unknown job type",
    );
    return;
  }
  try {
    await queueRun(
      deps,
      { runId, type, payload: row.payload, runAt: occurrence, scheduleId: row.schedule_id, occurrence },
      systemContext("job-scheduler"),
    );
  } catch (err) {
    if (!(err instanceof OccurrenceAlreadyFiredError)) throw err;
  }
}
