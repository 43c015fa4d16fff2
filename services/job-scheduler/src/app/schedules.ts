import { randomUUID } from "node:crypto";
import {
  decodeCursor,
  type MessageContext,
  pageOf,
  type Schedule,
  type schedulesCreate,
  type schedulesGet,
  type schedulesList,
} from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata, requirePlatformAdmin } from "@tessera/service-kit";
import { z } from "zod";
import { type ScheduleCommand, scheduleDecider } from "../domain/decide-schedule.ts";
import { ScheduleNotFoundError } from "../domain/errors.ts";
import { scheduleStreamId } from "../domain/schedule.ts";
import { findSchedule, listSchedules, projectScheduleEvents, toScheduleView } from "../infra/schedules.ts";
import type { JobsDeps } from "./deps.ts";
import { parsePayload, resolveJobType } from "./job-types.ts";
import { queueRun } from "./queue-run.ts";

type ScheduleIdRequest = z.output<typeof schedulesGet.request>;

const ScheduleCursorSchema = z.object({ createdAt: z.iso.datetime(), scheduleId: z.uuid() });

/** `svc.job-scheduler.schedules.create`: a bad cron or zone is a 400 naming `cron` or `timezone`. */
export function createSchedule(deps: JobsDeps, opts: { scheduleId?: () => string } = {}) {
  return async (
    request: z.output<typeof schedulesCreate.request>,
    ctx: MessageContext,
  ): Promise<Schedule> => {
    requirePlatformAdmin(ctx);
    const type = await resolveJobType(deps.registry, request.jobType);
    const payload = parsePayload(type, request.payload);
    const scheduleId = opts.scheduleId?.() ?? randomUUID();
    await applyScheduleCommand(
      deps,
      { type: "CreateSchedule", data: { ...request, payload, scheduleId }, meta: { now: deps.clock() } },
      ctx,
    );
    return loadScheduleView(deps, scheduleId);
  };
}

export function listSchedulesHandler(deps: JobsDeps) {
  return async (request: z.output<typeof schedulesList.request>, ctx: MessageContext) => {
    requirePlatformAdmin(ctx);
    const rows = await listSchedules(deps.db, {
      limit: request.limit + 1,
      after: decodeCursor(ScheduleCursorSchema, request.cursor),
    });
    return pageOf(rows, request.limit, toScheduleView, (row) => ({
      createdAt: row.created_at.toISOString(),
      scheduleId: row.schedule_id,
    }));
  };
}

export function getSchedule(deps: JobsDeps) {
  return async (request: ScheduleIdRequest, ctx: MessageContext): Promise<Schedule> => {
    requirePlatformAdmin(ctx);
    return loadScheduleView(deps, request.scheduleId);
  };
}

/** pause, resume, delete: one command each on the schedule aggregate. */
export function changeSchedule(deps: JobsDeps, type: "PauseSchedule" | "ResumeSchedule" | "DeleteSchedule") {
  return async (request: ScheduleIdRequest, ctx: MessageContext): Promise<Schedule> => {
    requirePlatformAdmin(ctx);
    const before = await loadScheduleView(deps, request.scheduleId);
    await applyScheduleCommand(
      deps,
      { type, data: { scheduleId: request.scheduleId }, meta: { now: deps.clock() } },
      ctx,
    );
    return type === "DeleteSchedule" ? before : loadScheduleView(deps, request.scheduleId);
  };
}

/** `svc.job-scheduler.schedules.trigger`: a run now, outside the cron and the overlap policy. */
export function triggerSchedule(deps: JobsDeps) {
  return async (request: ScheduleIdRequest, ctx: MessageContext) => {
    requirePlatformAdmin(ctx);
    const schedule = await findSchedule(deps.db, request.scheduleId);
    if (!schedule) throw new ScheduleNotFoundError(request.scheduleId);
    const type = await resolveJobType(deps.registry, schedule.job_type);
    const runId = randomUUID();
    await applyScheduleCommand(
      deps,
      {
        type: "TriggerSchedule",
        data: { scheduleId: request.scheduleId, runId },
        meta: { now: deps.clock() },
      },
      ctx,
    );
    await queueRun(
      deps,
      {
        runId,
        type,
        payload: schedule.payload,
        runAt: deps.clock(),
        scheduleId: request.scheduleId,
        occurrence: null,
      },
      ctx,
    );
    return { scheduleId: request.scheduleId, runId };
  };
}

export async function applyScheduleCommand(
  deps: JobsDeps,
  command: ScheduleCommand,
  ctx: Partial<MessageContext>,
): Promise<void> {
  await handleCommand(deps.store, scheduleDecider, scheduleStreamId(command.data.scheduleId), command, {
    inline: [projectScheduleEvents],
    metadata: eventMetadata(ctx),
  });
}

async function loadScheduleView(deps: JobsDeps, scheduleId: string): Promise<Schedule> {
  const row = await findSchedule(deps.db, scheduleId);
  if (!row) throw new ScheduleNotFoundError(scheduleId);
  return toScheduleView(row);
}
