import { randomUUID } from "node:crypto";
import type { MessageContext, Schedule, schedulesCreate } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { z } from "zod";
import { type JobsDeps, runScheduleCommand } from "./deps.ts";
import { loadScheduleView } from "./get-schedule.ts";
import { parsePayload, resolveJobType } from "./job-types.ts";

/** `svc.job-scheduler.schedules.create`: a bad cron or zone is a 400 naming `cron` or `timezone`. */
export function createSchedule(deps: JobsDeps) {
  return async (
    request: z.output<typeof schedulesCreate.request>,
    ctx: MessageContext,
  ): Promise<Schedule> => {
    requirePlatformAdmin(ctx);
    const type = await resolveJobType(deps.registry, request.jobType);
    const payload = parsePayload(type, request.payload);
    const scheduleId = randomUUID();
    await runScheduleCommand(
      deps,
      { type: "CreateSchedule", data: { ...request, payload, scheduleId }, meta: { now: deps.clock() } },
      ctx,
    );
    return loadScheduleView(deps, scheduleId);
  };
}
