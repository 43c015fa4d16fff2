import type { JobRunReport } from "@tessera/contracts";
import { RunNotCancellableError, RunNotFoundError, RunNotReplayableError } from "./errors.ts";
import { evolveRun, initialRunState, isTerminal, type RunEvent, type RunState } from "./run.ts";

export interface CommandMeta {
  /** The moment the command is handled, from the handler's clock. */
  now: Date;
}

export type RunCommand =
  | {
      type: "QueueRun";
      data: {
        runId: string;
        jobType: string;
        payload: unknown;
        runAt: Date;
        scheduleId: string | null;
        occurrence: Date | null;
      };
      meta: CommandMeta;
    }
  | { type: "RecordReport"; data: Omit<JobRunReport, "runId" | "jobType">; meta: CommandMeta }
  | { type: "CancelRun"; data: { runId: string }; meta: CommandMeta }
  | { type: "ReplayRun"; data: { runId: string }; meta: CommandMeta };

/**
 * Workers report at least once and possibly out of order (a `started` may arrive after its
 * `failed`), so reports are matched by generation and attempt: anything older than what the run
 * already knows, or about a finished run, decides nothing.
 */
export function decideRun(command: RunCommand, state: RunState): RunEvent[] {
  const now = command.meta.now.toISOString();
  switch (command.type) {
    case "QueueRun": {
      if (state.status !== "absent") return [];
      const { runAt, occurrence, ...data } = command.data;
      return [
        {
          type: "job-scheduler.run.queued",
          data: {
            ...data,
            generation: 1,
            runAt: runAt.toISOString(),
            occurrence: occurrence?.toISOString() ?? null,
            queuedAt: now,
          },
        },
      ];
    }
    case "RecordReport":
      return decideReport(command.data, state);
    case "CancelRun": {
      if (state.status === "absent") throw new RunNotFoundError(command.data.runId);
      if (isTerminal(state.status)) throw new RunNotCancellableError(state.runId, state.status);
      const { runId, jobType, generation } = state;
      return [
        { type: "job-scheduler.run.cancelled", data: { runId, jobType, generation, cancelledAt: now } },
      ];
    }
    case "ReplayRun": {
      if (state.status === "absent") throw new RunNotFoundError(command.data.runId);
      if (state.status !== "dead") throw new RunNotReplayableError(state.runId, state.status);
      const { runId, jobType, payload, scheduleId } = state;
      return [
        {
          type: "job-scheduler.run.queued",
          data: {
            runId,
            jobType,
            payload,
            scheduleId,
            occurrence: null,
            generation: state.generation + 1,
            runAt: now,
            queuedAt: now,
          },
        },
      ];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

function decideReport(report: Omit<JobRunReport, "runId" | "jobType">, state: RunState): RunEvent[] {
  if (state.status === "absent" || isTerminal(state.status)) return [];
  if (report.generation !== state.generation || report.attempt < state.attempt) return [];
  const sameAttempt = report.attempt === state.attempt;
  const base = { runId: state.runId, jobType: state.jobType, generation: state.generation };
  const attempt = report.attempt;
  // An outcome that overtook its attempt's `started` report brings the start along.
  const started: RunEvent[] =
    sameAttempt && state.status !== "queued"
      ? []
      : [
          {
            type: "job-scheduler.run.started",
            data: { ...base, attempt, startedAt: report.startedAt ?? report.at },
          },
        ];
  switch (report.outcome) {
    case "started":
      return started;
    case "failed": {
      if (sameAttempt && state.status === "failed") return [];
      const retryAt = new Date(Date.parse(report.at) + (report.retryInMs ?? 0)).toISOString();
      const error = report.error ?? "unknown error";
      return [
        ...started,
        { type: "job-scheduler.run.failed", data: { ...base, attempt, error, retryAt, failedAt: report.at } },
      ];
    }
    case "succeeded":
      return [
        ...started,
        { type: "job-scheduler.run.succeeded", data: { ...base, attempt, finishedAt: report.at } },
      ];
    case "dead": {
      const error = report.error ?? "unknown error";
      return [
        ...started,
        { type: "job-scheduler.run.dead", data: { ...base, attempt, error, diedAt: report.at } },
      ];
    }
    default: {
      const unknown: never = report.outcome;
      return unknown;
    }
  }
}

export const runDecider = { decide: decideRun, evolve: evolveRun, initialState: initialRunState };
