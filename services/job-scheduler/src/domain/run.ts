import type { RunStatus } from "@tessera/contracts";

/** The run aggregate: one stream per run (`run-<id>`); a replay starts a new generation in the same stream. */
type Base = { runId: string; jobType: string; generation: number };

export type RunEvent =
  | {
      type: "job-scheduler.run.queued";
      data: Base & {
        payload: unknown;
        runAt: string;
        scheduleId: string | null;
        occurrence: string | null;
        queuedAt: string;
      };
    }
  | { type: "job-scheduler.run.started"; data: Base & { attempt: number; startedAt: string } }
  | { type: "job-scheduler.run.succeeded"; data: Base & { attempt: number; finishedAt: string } }
  | {
      type: "job-scheduler.run.failed";
      data: Base & { attempt: number; error: string; retryAt: string; failedAt: string };
    }
  | { type: "job-scheduler.run.dead"; data: Base & { attempt: number; error: string; diedAt: string } }
  | { type: "job-scheduler.run.cancelled"; data: Base & { cancelledAt: string } };

export type RunQueued = Extract<RunEvent, { type: "job-scheduler.run.queued" }>;

export type RunState =
  | { status: "absent" }
  | {
      status: RunStatus;
      runId: string;
      jobType: string;
      payload: unknown;
      scheduleId: string | null;
      generation: number;
      /** The highest attempt of this generation reported so far (0 before the first). */
      attempt: number;
    };

export const TERMINAL_STATUSES: readonly RunStatus[] = ["succeeded", "dead", "cancelled"];

export function isTerminal(status: RunStatus | "absent"): boolean {
  return status !== "absent" && TERMINAL_STATUSES.includes(status);
}

export function initialRunState(): RunState {
  return { status: "absent" };
}

export function evolveRun(state: RunState, event: RunEvent): RunState {
  if (event.type === "job-scheduler.run.queued") {
    const { runId, jobType, payload, scheduleId, generation } = event.data;
    return { status: "queued", runId, jobType, payload, scheduleId, generation, attempt: 0 };
  }
  if (state.status === "absent") return state;
  switch (event.type) {
    case "job-scheduler.run.started":
      return { ...state, status: "running", attempt: event.data.attempt };
    case "job-scheduler.run.succeeded":
      return { ...state, status: "succeeded", attempt: event.data.attempt };
    case "job-scheduler.run.failed":
      return { ...state, status: "failed", attempt: event.data.attempt };
    case "job-scheduler.run.dead":
      return { ...state, status: "dead", attempt: event.data.attempt };
    case "job-scheduler.run.cancelled":
      return { ...state, status: "cancelled" };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function runStreamId(runId: string): string {
  return `run-${runId}`;
}
