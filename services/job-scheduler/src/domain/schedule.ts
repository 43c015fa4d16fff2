import type { CatchUp, OverlapPolicy } from "@tessera/contracts";
import { parseCron } from "./cron.ts";

/** The schedule aggregate: one stream per schedule (`schedule-<id>`). */
export interface ScheduleDefinition {
  scheduleId: string;
  name: string;
  cron: string;
  timezone: string;
  jobType: string;
  payload: unknown;
  overlap: OverlapPolicy;
  catchUp: CatchUp;
}

/** Where a schedule's firing stands (ISO 8601 times). */
export interface FiringCursor {
  /** The next occurrence to fire; null when the expression fires no more (or the schedule is deleted). */
  nextFireAt: string | null;
  /** The occurrence `buffer_one` keeps back until the schedule's unfinished run ends. */
  bufferedOccurrence: string | null;
}

export type ScheduleEvent =
  | { type: "job-scheduler.schedule.created"; data: ScheduleDefinition & { createdAt: string } }
  | { type: "job-scheduler.schedule.paused"; data: { scheduleId: string; pausedAt: string } }
  | { type: "job-scheduler.schedule.resumed"; data: { scheduleId: string; resumedAt: string } }
  | {
      type: "job-scheduler.schedule.triggered";
      data: { scheduleId: string; runId: string; triggeredAt: string };
    }
  | { type: "job-scheduler.schedule.deleted"; data: { scheduleId: string; deletedAt: string } }
  | {
      /**
       * Private (no contract, never published): the leader's tick moved the cursor. `fired` are the
       * occurrences it queued runs for, oldest first; the cursor is where firing goes on from.
       */
      type: "job-scheduler.schedule.advanced";
      data: { scheduleId: string; fired: string[]; advancedAt: string } & FiringCursor;
    };

export type ScheduleState =
  | { status: "absent" }
  | { status: "active" | "paused" | "deleted"; definition: ScheduleDefinition; cursor: FiringCursor };

export function initialScheduleState(): ScheduleState {
  return { status: "absent" };
}

/** A schedule starts, and restarts on resume, from its first occurrence after that moment. */
export function firstOccurrenceAfter(definition: ScheduleDefinition, after: string): string | null {
  return parseCron(definition.cron, definition.timezone).next(new Date(after))?.toISOString() ?? null;
}

export function evolveSchedule(state: ScheduleState, event: ScheduleEvent): ScheduleState {
  if (event.type === "job-scheduler.schedule.created") {
    const { createdAt, ...definition } = event.data;
    const nextFireAt = firstOccurrenceAfter(definition, createdAt);
    return { status: "active", definition, cursor: { nextFireAt, bufferedOccurrence: null } };
  }
  if (state.status === "absent") return state;
  switch (event.type) {
    case "job-scheduler.schedule.paused":
      return { ...state, status: "paused" };
    case "job-scheduler.schedule.resumed": {
      // Occurrences while paused are not caught up: the schedule restarts from now.
      const nextFireAt = firstOccurrenceAfter(state.definition, event.data.resumedAt);
      return { ...state, status: "active", cursor: { nextFireAt, bufferedOccurrence: null } };
    }
    case "job-scheduler.schedule.triggered":
      return state;
    case "job-scheduler.schedule.deleted":
      return { ...state, status: "deleted", cursor: { nextFireAt: null, bufferedOccurrence: null } };
    case "job-scheduler.schedule.advanced": {
      const { nextFireAt, bufferedOccurrence } = event.data;
      return { ...state, cursor: { nextFireAt, bufferedOccurrence } };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function scheduleStreamId(scheduleId: string): string {
  return `schedule-${scheduleId}`;
}
