import { cleanupOldRunsJob, helloWorldJob } from "@tessera/contracts";
import { handleJob, type JobRegistration } from "@tessera/jobs";
import { systemContext } from "@tessera/service-kit";
import { ScheduleExistsError } from "../domain/errors.ts";
import { deleteFinishedRunsBefore } from "../infra/runs.ts";
import { type JobsDeps, runScheduleCommand } from "./deps.ts";
import { derivedUuid } from "./ids.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** The jobs the scheduler runs itself. */
export function builtinJobs(deps: JobsDeps, opts: { retentionDays: number }): JobRegistration[] {
  return [
    handleJob(helloWorldJob, async (payload, ctx) => {
      ctx.logger.info({ greeting: `hello, ${payload.name ?? "world"}` }, "hello_world");
      if (payload.fail) throw new Error("hello_world was asked to fail");
    }),
    handleJob(cleanupOldRunsJob, async (payload, ctx) => {
      const days = payload.olderThanDays ?? opts.retentionDays;
      const deleted = await deleteFinishedRunsBefore(
        deps.db,
        new Date(deps.clock().getTime() - days * DAY_MS),
      );
      ctx.logger.info({ deleted, olderThanDays: days }, "old runs deleted");
    }),
  ];
}

/** The built-in daily clean-up schedule, created once (its id is derived, so every replica agrees). */
export async function ensureBuiltinSchedules(deps: JobsDeps, opts: { cleanupCron: string }): Promise<void> {
  const scheduleId = derivedUuid("builtin-schedule", cleanupOldRunsJob.name);
  try {
    await runScheduleCommand(
      deps,
      {
        type: "CreateSchedule",
        data: {
          scheduleId,
          name: cleanupOldRunsJob.name,
          cron: opts.cleanupCron,
          timezone: "UTC",
          jobType: cleanupOldRunsJob.name,
          payload: {},
          overlap: "skip",
          catchUp: { policy: "latest", windowSeconds: 86_400 },
        },
        meta: { now: deps.clock() },
      },
      systemContext("job-scheduler"),
    );
  } catch (err) {
    // Changed settings or a race with another replica starting: keep the schedule as it is.
    if (!(err instanceof ScheduleExistsError)) throw err;
    deps.logger.info({ scheduleId }, "built-in clean-up schedule already exists");
  }
}
