import type { MessageContext, Schedule, schedulesGet } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { z } from "zod";
import { ScheduleNotFoundError } from "../domain/errors.ts";
import { findSchedule, toScheduleView } from "../infra/schedules.ts";
import type { JobsDeps } from "./deps.ts";

/** `svc.job-scheduler.schedules.get` */
export function getSchedule(deps: JobsDeps) {
  return async (request: z.output<typeof schedulesGet.request>, ctx: MessageContext): Promise<Schedule> => {
    requirePlatformAdmin(ctx);
    return loadScheduleView(deps, request.scheduleId);
  };
}

/** The schedule as the admin API shows it; an unknown or deleted one is 404 `job.schedule_not_found`. */
export async function loadScheduleView(deps: JobsDeps, scheduleId: string): Promise<Schedule> {
  const row = await findSchedule(deps.db, scheduleId);
  if (!row) throw new ScheduleNotFoundError(scheduleId);
  return toScheduleView(row);
}
