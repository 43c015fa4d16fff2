import { randomUUID } from "node:crypto";
import type { MessageContext, schedulesTrigger } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { z } from "zod";
import { ScheduleNotFoundError } from "../domain/errors.ts";
import { findSchedule } from "../infra/schedules.ts";
import { type JobsDeps, runScheduleCommand } from "./deps.ts";
import { resolveJobType } from "./job-types.ts";
import { queueRun } from "./queue-run.ts";

/** `svc.job-scheduler.schedules.trigger`: a run now, outside the cron and the overlap policy. */
export function triggerSchedule(deps: JobsDeps) {
  return async (
    request: z.output<typeof schedulesTrigger.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof schedulesTrigger.response>> => {
    requirePlatformAdmin(ctx);
    const { scheduleId } = request;
    const schedule = await findSchedule(deps.db, scheduleId);
    if (!schedule) throw new ScheduleNotFoundError(scheduleId);
    const type = await resolveJobType(deps.registry, schedule.job_type);
    const runId = randomUUID();
    const now = deps.clock();
    await runScheduleCommand(
      deps,
      { type: "TriggerSchedule", data: { scheduleId, runId }, meta: { now } },
      ctx,
    );
    await queueRun(
      deps,
      { runId, type, payload: schedule.payload, runAt: now, scheduleId, occurrence: null },
      ctx,
    );
    return { scheduleId, runId };
  };
}
