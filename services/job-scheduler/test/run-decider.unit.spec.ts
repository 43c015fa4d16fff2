import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import { runDecider } from "../src/domain/decide-run.ts";
import { RunNotCancellableError, RunNotReplayableError } from "../src/domain/errors.ts";
import type { RunEvent } from "../src/domain/run.ts";

const runId = "0b7e8f38-3c38-4f7a-9a53-9d7c2f0f0001";
const now = new Date("2026-05-01T10:00:00.000Z");
const meta = { now };
const base = { runId, jobType: "hello_world", generation: 1 };
const queued: RunEvent = {
  type: "job-scheduler.run.queued",
  data: {
    ...base,
    payload: {},
    runAt: now.toISOString(),
    scheduleId: null,
    occurrence: null,
    queuedAt: now.toISOString(),
  },
};
const started = (attempt: number): RunEvent => ({
  type: "job-scheduler.run.started",
  data: { ...base, attempt, startedAt: "2026-05-01T10:00:01.000Z" },
});
const failed = (attempt: number): RunEvent => ({
  type: "job-scheduler.run.failed",
  data: {
    ...base,
    attempt,
    error: "boom",
    retryAt: "2026-05-01T10:00:02.000Z",
    failedAt: "2026-05-01T10:00:01.000Z",
  },
});
const report = (
  outcome: "started" | "succeeded" | "failed" | "dead",
  attempt: number,
  extra: { generation?: number; retryInMs?: number; error?: string } = {},
) => ({
  type: "RecordReport" as const,
  data: { generation: 1, attempt, outcome, at: "2026-05-01T10:00:01.000Z", ...extra },
  meta,
});

describe("the run decider", () => {
  it("queues a new run once; queueing it again decides nothing", () => {
    const command = {
      type: "QueueRun" as const,
      data: { runId, jobType: "hello_world", payload: {}, runAt: now, scheduleId: null, occurrence: null },
      meta,
    };
    given(runDecider, []).when(command).then([queued]);
    given(runDecider, [queued]).when(command).then([]);
  });

  it("records a start, a failure with its retry time, and the next attempt's start", () => {
    given(runDecider, [queued])
      .when(report("started", 1))
      .then([started(1)]);
    given(runDecider, [queued, started(1)])
      .when(report("failed", 1, { retryInMs: 1_000, error: "boom" }))
      .then([failed(1)]);
    given(runDecider, [queued, started(1), failed(1)])
      .when(report("started", 2))
      .then([started(2)]);
  });

  it("ignores a repeated or late report and anything after the run finished", () => {
    given(runDecider, [queued, started(1)])
      .when(report("started", 1))
      .then([]);
    given(runDecider, [queued, started(1), failed(1)])
      .when(report("started", 1))
      .then([]);
    given(runDecider, [queued, started(1), failed(1), started(2)])
      .when(report("failed", 1))
      .then([]);
    const done: RunEvent = {
      type: "job-scheduler.run.succeeded",
      data: { ...base, attempt: 1, finishedAt: "2026-05-01T10:00:01.000Z" },
    };
    given(runDecider, [queued, started(1), done])
      .when(report("failed", 1))
      .then([]);
    given(runDecider, [queued])
      .when(report("started", 1, { generation: 2 }))
      .then([]);
  });

  it("brings the start along when an outcome overtakes its start report", () => {
    given(runDecider, [queued])
      .when(report("succeeded", 1))
      .then([
        started(1),
        {
          type: "job-scheduler.run.succeeded",
          data: { ...base, attempt: 1, finishedAt: "2026-05-01T10:00:01.000Z" },
        },
      ]);
  });

  it("cancels an unfinished run and refuses to cancel a finished one", () => {
    const cancel = { type: "CancelRun" as const, data: { runId }, meta };
    given(runDecider, [queued])
      .when(cancel)
      .then([{ type: "job-scheduler.run.cancelled", data: { ...base, cancelledAt: now.toISOString() } }]);
    const dead: RunEvent = {
      type: "job-scheduler.run.dead",
      data: { ...base, attempt: 3, error: "boom", diedAt: now.toISOString() },
    };
    given(runDecider, [queued, dead]).when(cancel).thenThrows(RunNotCancellableError);
  });

  it("replays only a dead run, as the next generation", () => {
    const replay = { type: "ReplayRun" as const, data: { runId }, meta };
    const dead: RunEvent = {
      type: "job-scheduler.run.dead",
      data: { ...base, attempt: 3, error: "boom", diedAt: now.toISOString() },
    };
    const { events } = given(runDecider, [queued, dead])
      .when(replay)
      .then([
        {
          type: "job-scheduler.run.queued",
          data: { ...queued.data, generation: 2, runAt: now.toISOString(), queuedAt: now.toISOString() },
        } as RunEvent,
      ]);
    expect(events).toHaveLength(1);
    given(runDecider, [queued, started(1)])
      .when(replay)
      .thenThrows(RunNotReplayableError);
  });
});
