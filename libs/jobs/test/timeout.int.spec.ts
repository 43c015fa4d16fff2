import { defineJobType } from "@tessera/contracts";
import { handleJob, JobTimeoutError, type JobWorker, startJobWorker } from "@tessera/jobs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type JobHarness, quietLogger, startJobHarness } from "./fixtures/harness.ts";

/** Attempt 1 outlives its 300 ms time-out; later attempts finish at once. */
const slowFirstJob = defineJobType({
  name: "test_slow_first",
  service: "job-scheduler",
  description: "test: the first attempt runs past its time-out",
  payload: z.strictObject({ ignoreSignal: z.boolean() }),
  timeoutMs: 300,
  retry: { maxAttempts: 3, initialDelayMs: 200, factor: 2, maxDelayMs: 1_000, jitter: 0 },
});

let h: JobHarness;
let worker: JobWorker | undefined;
/** Per run: why each attempt's signal was aborted (undefined: it was not). */
const aborts = new Map<string, unknown[]>();

beforeAll(async () => {
  h = await startJobHarness("jobstimeout");
  worker = await startJobWorker({
    bus: h.bus,
    logger: quietLogger,
    ackWaitMs: 5_000,
    jobs: [
      handleJob(slowFirstJob, async (payload, ctx) => {
        const seen = aborts.get(ctx.runId) ?? [];
        aborts.set(ctx.runId, seen);
        if (ctx.attempt > 1) {
          seen.push(undefined);
          return;
        }
        // A well-behaved handler stops when its signal fires; a stubborn one never returns.
        await new Promise<void>((resolve) => {
          ctx.signal.addEventListener("abort", () => {
            seen.push(ctx.signal.reason);
            if (!payload.ignoreSignal) resolve();
          });
        });
      }),
    ],
  });
});

afterAll(async () => {
  await worker?.stop();
  await h?.close();
});

describe("an attempt that runs past its job type's time-out", () => {
  it("is aborted through its signal, reported as failed with the retry delay, and retried", async () => {
    const runId = await h.enqueue(slowFirstJob, { ignoreSignal: false });
    await h.waitFor("the retry to succeed", () => h.outcomes(runId).includes("2:succeeded"));

    expect(h.outcomes(runId)).toEqual(["1:started", "1:failed", "2:started", "2:succeeded"]);
    const [firstAbort, secondAbort] = aborts.get(runId) ?? [];
    expect(firstAbort).toBeInstanceOf(JobTimeoutError);
    expect(secondAbort).toBeUndefined();
    const failed = h.reports.find((r) => r.runId === runId && r.outcome === "failed");
    expect(failed).toMatchObject({
      attempt: 1,
      retryInMs: 200,
      error: expect.stringContaining("did not finish within 300 ms"),
    });
    // The failure is not reported before the time-out has passed.
    expect(Date.parse(failed!.at) - Date.parse(failed!.startedAt!)).toBeGreaterThanOrEqual(290);
    await h.waitFor("the run to be acknowledged", async () => (await h.unacknowledged(slowFirstJob)) === 0);
  });

  it("fails the attempt at its time-out even when the handler ignores the signal", async () => {
    const runId = await h.enqueue(slowFirstJob, { ignoreSignal: true });
    await h.waitFor("the retry to succeed", () => h.outcomes(runId).includes("2:succeeded"));

    expect(h.outcomes(runId)).toEqual(["1:started", "1:failed", "2:started", "2:succeeded"]);
    expect(aborts.get(runId)?.[0]).toBeInstanceOf(JobTimeoutError);
  });
});
