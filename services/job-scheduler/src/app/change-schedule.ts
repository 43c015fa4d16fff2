import type { MessageContext, Schedule, schedulesPause } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { z } from "zod";
import { type JobsDeps, runScheduleCommand } from "./deps.ts";
import { loadScheduleView } from "./get-schedule.ts";

type ScheduleIdRequest = z.output<typeof schedulesPause.request>;
type Change = "PauseSchedule" | "ResumeSchedule" | "DeleteSchedule";

/**
 * A schedule's lifecycle through the admin API, one command each: pause and resume answer the
 * schedule as it is afterwards, delete answers nothing.
 */
export function pauseSchedule(deps: JobsDeps) {
  return async (request: ScheduleIdRequest, ctx: MessageContext): Promise<Schedule> => {
    await changeSchedule(deps, "PauseSchedule", request, ctx);
    return loadScheduleView(deps, request.scheduleId);
  };
}

export function resumeSchedule(deps: JobsDeps) {
  return async (request: ScheduleIdRequest, ctx: MessageContext): Promise<Schedule> => {
    await changeSchedule(deps, "ResumeSchedule", request, ctx);
    return loadScheduleView(deps, request.scheduleId);
  };
}

export function deleteSchedule(deps: JobsDeps) {
  return async (request: ScheduleIdRequest, ctx: MessageContext): Promise<Record<string, never>> => {
    await changeSchedule(deps, "DeleteSchedule", request, ctx);
    return {};
  };
}

async function changeSchedule(
  deps: JobsDeps,
  type: Change,
  request: ScheduleIdRequest,
  ctx: MessageContext,
): Promise<void> {
  requirePlatformAdmin(ctx);
  await runScheduleCommand(
    deps,
    { type, data: { scheduleId: request.scheduleId }, meta: { now: deps.clock() } },
    ctx,
  );
}
