import { isDeepStrictEqual } from "node:util";
import { parseFiringCron } from "./cron.ts";
import type { CommandMeta } from "./decide-run.ts";
import { ScheduleExistsError, ScheduleNotFoundError } from "./errors.ts";
import {
  evolveSchedule,
  type FiringCursor,
  initialScheduleState,
  type ScheduleDefinition,
  type ScheduleEvent,
  type ScheduleState,
} from "./schedule.ts";

/** A firing cursor as the leader's tick holds it. */
export interface FiringPosition {
  nextFireAt: Date | null;
  bufferedOccurrence: Date | null;
}

export type ScheduleCommand =
  | { type: "CreateSchedule"; data: ScheduleDefinition; meta: CommandMeta }
  | { type: "PauseSchedule"; data: { scheduleId: string }; meta: CommandMeta }
  | { type: "ResumeSchedule"; data: { scheduleId: string }; meta: CommandMeta }
  | { type: "TriggerSchedule"; data: { scheduleId: string; runId: string }; meta: CommandMeta }
  | { type: "DeleteSchedule"; data: { scheduleId: string }; meta: CommandMeta }
  | {
      type: "AdvanceSchedule";
      /** The tick read the cursor at `from`, queued runs for `fired`, and moves the cursor to `to`. */
      data: { scheduleId: string; from: FiringPosition; fired: Date[]; to: FiringPosition };
      meta: CommandMeta;
    };

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
  if (command.type === "AdvanceSchedule") return decideAdvance(command.data, state, now);
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

/**
 * A tick's plan holds only for the cursor it was made from: once another leader moved it, or the
 * schedule was paused or deleted meanwhile, the plan is stale and moves nothing (the runs it queued
 * stay, each occurrence's run being unique).
 */
function decideAdvance(
  advance: Extract<ScheduleCommand, { type: "AdvanceSchedule" }>["data"],
  state: ScheduleState,
  now: string,
): ScheduleEvent[] {
  if (state.status !== "active" || !sameCursor(state.cursor, cursorOf(advance.from))) return [];
  const to = cursorOf(advance.to);
  if (advance.fired.length === 0 && sameCursor(state.cursor, to)) return [];
  const fired = advance.fired.map((occurrence) => occurrence.toISOString());
  return [
    {
      type: "job-scheduler.schedule.advanced",
      data: { scheduleId: advance.scheduleId, fired, ...to, advancedAt: now },
    },
  ];
}

function cursorOf(position: FiringPosition): FiringCursor {
  return {
    nextFireAt: position.nextFireAt?.toISOString() ?? null,
    bufferedOccurrence: position.bufferedOccurrence?.toISOString() ?? null,
  };
}

function sameCursor(a: FiringCursor, b: FiringCursor): boolean {
  return a.nextFireAt === b.nextFireAt && a.bufferedOccurrence === b.bufferedOccurrence;
}

export const scheduleDecider = {
  decide: decideSchedule,
  evolve: evolveSchedule,
  initialState: initialScheduleState,
};
