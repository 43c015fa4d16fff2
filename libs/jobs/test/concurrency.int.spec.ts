import { defineJobType } from "@tessera/contracts";
import { handleJob, type JobWorker, startJobWorker } from "@tessera/jobs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type JobHarness, quietLogger, startJobHarness } from "./fixtures/harness.ts";

const oneAtATime = (name: string) =>
  defineJobType({
    name,
    service: "job-scheduler",
    description: "test: one attempt at a time per replica",
    payload: z.strictObject({}),
    timeoutMs: 60_000,
    retry: { maxAttempts: 1 },
    concurrency: 1,
  });
const slowType = oneAtATime("test_slow_type");
const quickType = oneAtATime("test_quick_type");

let h: JobHarness;
let worker: JobWorker | undefined;
let releaseSlow = () => {};

beforeAll(async () => {
  h = await startJobHarness("jobsconc");
  worker = await startJobWorker({
    bus: h.bus,
    logger: quietLogger,
    jobs: [
      handleJob(slowType, async (_payload, ctx) => {
        await new Promise<void>((resolve) => {
          releaseSlow = resolve;
          ctx.signal.addEventListener("abort", () => resolve());
        });
      }),
      handleJob(quickType, async () => {}),
    ],
  });
});

afterAll(async () => {
  releaseSlow();
  await worker?.stop();
  await h?.close();
});

describe("a worker running several job types", () => {
  it("limits concurrency per type, so a busy type does not hold up another", async () => {
    const slowRun = await h.enqueue(slowType, {});
    await h.waitFor("the slow job to start", () => h.outcomes(slowRun).includes("1:started"));

    const quickRun = await h.enqueue(quickType, {});
    await h.waitFor("the quick job to succeed", () => h.outcomes(quickRun).includes("1:succeeded"));
    expect(h.outcomes(slowRun)).toEqual(["1:started"]);

    releaseSlow();
    await h.waitFor("the slow job to succeed", () => h.outcomes(slowRun).includes("1:succeeded"));
  });
});
