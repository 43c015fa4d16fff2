import type { CatchUp, OverlapPolicy } from "@tessera/contracts";

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

export type ScheduleEvent =
  | { type: "job-scheduler.schedule.created"; data: ScheduleDefinition & { createdAt: string } }
  | { type: "job-scheduler.schedule.paused"; data: { scheduleId: string; pausedAt: string } }
  | { type: "job-scheduler.schedule.resumed"; data: { scheduleId: string; resumedAt: string } }
  | {
      type: "job-scheduler.schedule.triggered";
      data: { scheduleId: string; runId: string; triggeredAt: string };
    }
  | { type: "job-scheduler.schedule.deleted"; data: { scheduleId: string; deletedAt: string } };

export type ScheduleState =
  | { status: "absent" }
  | { status: "active" | "paused" | "deleted"; definition: ScheduleDefinition };

export function initialScheduleState(): ScheduleState {
  return { status: "absent" };
}

export function evolveSchedule(state: ScheduleState, event: ScheduleEvent): ScheduleState {
  if (event.type === "job-scheduler.schedule.created") {
    const { createdAt: _createdAt, ...definition } = event.data;
    return { status: "active", definition };
  }
  if (state.status === "absent") return state;
  switch (event.type) {
    case "job-scheduler.schedule.paused":
      return { ...state, status: "paused" };
    case "job-scheduler.schedule.resumed":
      return { ...state, status: "active" };
    case "job-scheduler.schedule.triggered":
      return state;
    case "job-scheduler.schedule.deleted":
      return { ...state, status: "deleted" };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function scheduleStreamId(scheduleId: string): string {
  return `schedule-${scheduleId}`;
}
