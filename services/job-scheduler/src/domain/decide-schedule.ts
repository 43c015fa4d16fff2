import { isDeepStrictEqual } from "node:util";
import { parseFiringCron } from "./cron.ts";
import type { CommandMeta } from "./decide-run.ts";
import { ScheduleExistsError, ScheduleNotFoundError } from "./errors.ts";
import {
  evolveSchedule,
  initialScheduleState,
  type ScheduleDefinition,
  type ScheduleEvent,
  type ScheduleState,
} from "./schedule.ts";

export type ScheduleCommand =
  | { type: "CreateSchedule"; data: ScheduleDefinition; meta: CommandMeta }
  | { type: "PauseSchedule"; data: { scheduleId: string }; meta: CommandMeta }
  | { type: "ResumeSchedule"; data: { scheduleId: string }; meta: CommandMeta }
  | { type: "TriggerSchedule"; data: { scheduleId: string; runId: string }; meta: CommandMeta }
  | { type: "DeleteSchedule"; data: { scheduleId: string }; meta: CommandMeta };

/** Pause and resume are idempotent; creating the same definition twice is too (built-in schedules). */
export function decideSchedule(command: ScheduleCommand, state: ScheduleState): ScheduleEvent[] {
  const now = command.meta.now.toISOString();
  const { scheduleId } = command.data;
  if (command.type === "CreateSchedule") {
    parseFiringCron(command.data.cron, command.data.timezone, command.meta.now);
    if (state.status === "absent") {
      return [{ type: "job-scheduler.schedule.created", data: { ...command.data, createdAt: now } }];
    }
    if (state.status !== "deleted" && isDeepStrictEqual(state.definition, command.data)) return [];
    throw new ScheduleExistsError(`Schedule ${scheduleId} already exists.`);
  }
  if (state.status === "absent" || state.status === "deleted") throw new ScheduleNotFoundError(scheduleId);
  switch (command.type) {
    case "PauseSchedule":
      return state.status === "paused"
        ? []
        : [{ type: "job-scheduler.schedule.paused", data: { scheduleId, pausedAt: now } }];
    case "ResumeSchedule":
      return state.status === "active"
        ? []
        : [{ type: "job-scheduler.schedule.resumed", data: { scheduleId, resumedAt: now } }];
    case "TriggerSchedule":
      return [
        {
          type: "job-scheduler.schedule.triggered",
          data: { scheduleId, runId: command.data.runId, triggeredAt: now },
        },
      ];
    case "DeleteSchedule":
      return [{ type: "job-scheduler.schedule.deleted", data: { scheduleId, deletedAt: now } }];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const scheduleDecider = {
  decide: decideSchedule,
  evolve: evolveSchedule,
  initialState: initialScheduleState,
};
