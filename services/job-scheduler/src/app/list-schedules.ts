import { decodeCursor, type MessageContext, pageOf, type schedulesList } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import { z } from "zod";
import { listSchedules as findSchedules, toScheduleView } from "../infra/schedules.ts";
import type { JobsDeps } from "./deps.ts";

const ScheduleCursorSchema = z.object({ createdAt: z.iso.datetime(), scheduleId: z.uuid() });

/** `svc.job-scheduler.schedules.list`: oldest first. */
export function listSchedules(deps: JobsDeps) {
  return async (request: z.output<typeof schedulesList.request>, ctx: MessageContext) => {
    requirePlatformAdmin(ctx);
    const rows = await findSchedules(deps.db, {
      limit: request.limit + 1,
      after: decodeCursor(ScheduleCursorSchema, request.cursor),
    });
    return pageOf(rows, request.limit, toScheduleView, (row) => ({
      createdAt: row.created_at.toISOString(),
      scheduleId: row.schedule_id,
    }));
  };
}
