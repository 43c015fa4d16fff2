import { defineJobType, type JobTypeDefinition } from "@tessera/contracts";
import {
  handleJob,
  type JobRegistration,
  type JobWorker,
  startJobWorker,
  WorkerStoppingError,
} from "@tessera/jobs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type JobHarness, quietLogger, startJobHarness } from "./fixtures/harness.ts";

const holdPayload = z.strictObject({ holdMs: z.number().int().min(0) });
const drainJob = (name: string) =>
  defineJobType({
    name,
    service: "job-scheduler",
    description: "test: holds the job for a while, stopping early when its signal fires",
    payload: holdPayload,
    timeoutMs: 120_000,
    retry: { maxAttempts: 3, initialDelayMs: 100, factor: 2, maxDelayMs: 1_000, jitter: 0 },
    concurrency: 1,
  });
const finishingJob = drainJob("test_drain_finish");
const handedBackJob = drainJob("test_drain_hand_back");

interface Attempt {
  runId: string;
  attempt: number;
  worker: string;
  /** Why the signal fired before the hold was over; undefined when the attempt ran to its end. */
  abortedBy?: unknown;
}

let h: JobHarness;
const workers: JobWorker[] = [];
const attempts: Attempt[] = [];

/** Records each attempt as `worker`'s and, when `hold`, holds it for `holdMs` unless its signal fires. */
function holding(type: JobTypeDefinition<typeof holdPayload>, worker: string, hold = true): JobRegistration {
  return handleJob(type, async (payload, ctx) => {
    const record: Attempt = { runId: ctx.runId, attempt: ctx.attempt, worker };
    attempts.push(record);
    if (!hold) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, payload.holdMs);
      ctx.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        record.abortedBy = ctx.signal.reason;
        resolve();
      });
    });
  });
}

async function worker(jobs: JobRegistration[], drainTimeoutMs: number): Promise<JobWorker> {
  const started = await startJobWorker({
    bus: h.bus,
    logger: quietLogger,
    ackWaitMs: 5_000,
    drainTimeoutMs,
    jobs,
  });
  workers.push(started);
  return started;
}

beforeAll(async () => {
  h = await startJobHarness("jobsdrain");
});

afterAll(async () => {
  for (const started of workers) await started.stop();
  await h?.close();
});

const startedOn = (runId: string, worker: string) => () =>
  attempts.some((a) => a.runId === runId && a.worker === worker);

describe("a worker told to stop", () => {
  it("lets a job that ends within the drain limit finish, and acknowledges it", async () => {
    const stopping = await worker([holding(finishingJob, "patient")], 10_000);
    const runId = await h.enqueue(finishingJob, { holdMs: 800 });
    await h.waitFor("the job to start", startedOn(runId, "patient"));

    await stopping.stop();

    expect(attempts.filter((a) => a.runId === runId)).toEqual([{ runId, attempt: 1, worker: "patient" }]);
    expect(h.outcomes(runId)).toEqual(["1:started", "1:succeeded"]);
    expect(await h.unacknowledged(finishingJob)).toBe(0);
  });

  it("hands a job that outlasts the drain limit back, with the jobs it had not started, and another worker runs them", async () => {
    const stopping = await worker([holding(handedBackJob, "doomed")], 500);
    const longRun = await h.enqueue(handedBackJob, { holdMs: 120_000 });
    await h.waitFor("the long job to start", startedOn(longRun, "doomed"));
    // A second run waits on the same worker for its only slot.
    const waitingRun = await h.enqueue(handedBackJob, { holdMs: 0 });
    await h.waitFor(
      "the second run to reach the worker",
      async () => (await h.inFlight(handedBackJob)) === 2,
    );

    const stopStarted = performance.now();
    await stopping.stop();
    const stopMs = performance.now() - stopStarted;
    // Far less than the job's 120 s: the drain limit (0.5 s) decided when it stopped.
    expect(stopMs).toBeLessThan(20_000);
    expect(attempts.find((a) => a.runId === longRun)?.abortedBy).toBeInstanceOf(WorkerStoppingError);
    expect(attempts.some((a) => a.runId === waitingRun)).toBe(false);

    await worker([holding(handedBackJob, "survivor", false)], 10_000);
    await h.waitFor(
      "both runs to succeed on the survivor",
      () =>
        h.outcomes(longRun).includes("2:succeeded") &&
        h.outcomes(waitingRun).some((o) => o.endsWith(":succeeded")),
    );
    expect(attempts.filter((a) => a.runId === longRun).map((a) => `${a.attempt}:${a.worker}`)).toEqual([
      "1:doomed",
      "2:survivor",
    ]);
    expect(attempts.filter((a) => a.runId === waitingRun).map((a) => a.worker)).toEqual(["survivor"]);
    // A hand-back is not a failure: nothing reports attempt 1 as failed.
    expect(h.outcomes(longRun)).toEqual(["1:started", "2:started", "2:succeeded"]);
  });
});
