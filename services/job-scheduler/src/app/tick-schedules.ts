import { CatchUpSchema, JOB_TYPES, OverlapPolicySchema } from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import { parseCron } from "../domain/cron.ts";
import type { FiringPosition } from "../domain/decide-schedule.ts";
import { planFirings } from "../domain/firing.ts";
import { OccurrenceAlreadyFiredError } from "../infra/runs.ts";
import { dueSchedules, hasUnfinishedRun } from "../infra/schedules.ts";
import type { ScheduleRow } from "../infra/tables.ts";
import { type JobsDeps, runScheduleCommand } from "./deps.ts";
import { derivedUuid } from "./ids.ts";
import { queueRun } from "./queue-run.ts";

export interface TickOptions {
  /** An occurrence later than this is missed and follows the catch-up policy, in ms. */
  graceMs: number;
}

/**
 * One pass of the leader over due schedules. Each occurrence's run id is derived from (schedule,
 * occurrence) and the run history has a unique key on the pair, so even two leaders at once (a lost
 * lock not yet noticed) queue each occurrence once. Where the firing got to is an event on the
 * schedule's stream (`schedule.advanced`), appended after the runs: a crash in between fires the same
 * occurrences again on the next tick, which queues nothing new.
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
  const from: FiringPosition = { nextFireAt: row.next_fire_at, bufferedOccurrence: row.buffered_occurrence };
  const to: FiringPosition = { ...from };
  const fired: Date[] = [];
  // Any unfinished run of the schedule counts, not only the last queued: a manual trigger or a replay
  // that ends first must not let the next occurrence overlap a scheduled run still going.
  const previousRunning = () => hasUnfinishedRun(deps.db, row.schedule_id);
  const fire = async (occurrence: Date) => {
    if (await fireOccurrence(deps, row, occurrence)) fired.push(occurrence);
  };

  if (from.bufferedOccurrence !== null && !(await previousRunning())) {
    await fire(from.bufferedOccurrence);
    to.bufferedOccurrence = null;
  }
  if (from.nextFireAt !== null && from.nextFireAt <= now) {
    const plan = planFirings(parseCron(row.cron, row.timezone), {
      nextFireAt: from.nextFireAt,
      now,
      catchUp: CatchUpSchema.parse(row.catch_up),
      graceMs: opts.graceMs,
    });
    let overlapped = 0;
    for (const occurrence of plan.fire) {
      if (overlap !== "allow_all" && (await previousRunning())) {
        overlapped += 1;
        if (overlap === "buffer_one") to.bufferedOccurrence = occurrence;
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
    to.nextFireAt = plan.nextFireAt;
  }
  await runScheduleCommand(
    deps,
    { type: "AdvanceSchedule", data: { scheduleId: row.schedule_id, from, fired, to }, meta: { now } },
    systemContext("job-scheduler"),
  );
}

/** Queues the occurrence's run; false when the schedule names a job type the contracts do not declare. */
async function fireOccurrence(deps: JobsDeps, row: ScheduleRow, occurrence: Date): Promise<boolean> {
  const runId = derivedUuid("schedule", row.schedule_id, occurrence.toISOString());
  const type = JOB_TYPES.find((candidate) => candidate.name === row.job_type);
  if (!type) {
    deps.logger.error(
      { scheduleId: row.schedule_id, jobType: row.job_type },
      "schedule names an unknown job type",
    );
    return false;
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
  return true;
}
