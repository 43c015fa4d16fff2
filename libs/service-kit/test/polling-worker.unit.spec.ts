import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, startPollingWorker, steppedDelayMs } from "../src/index.ts";

const HOUR_MS = 3_600_000;

function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ service: "test", destination }) };
}

/** A queue of work items the pass takes one at a time. */
function workQueue(items: number) {
  const done: number[] = [];
  let left = items;
  return {
    done,
    add: (count: number) => {
      left += count;
    },
    pass: async () => {
      if (left === 0) return false;
      left -= 1;
      done.push(done.length + 1);
      return true;
    },
  };
}

describe("startPollingWorker", () => {
  it("runs passes until one finds nothing, then waits for a nudge", async () => {
    const { logger } = capturedLogger();
    const queue = workQueue(3);
    const worker = startPollingWorker({ name: "test worker", pollMs: HOUR_MS, logger, pass: queue.pass });
    await worker.drain();
    expect(queue.done).toHaveLength(3);
    queue.add(2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(queue.done).toHaveLength(3); // the next poll is an hour away
    worker.nudge();
    await worker.drain();
    expect(queue.done).toHaveLength(5);
    await worker.stop();
  });

  it("looks again when nudged during a pass, so nothing nudged is missed", async () => {
    const { logger } = capturedLogger();
    let passes = 0;
    let release: () => void = () => {};
    const worker = startPollingWorker({
      name: "test worker",
      pollMs: HOUR_MS,
      logger,
      pass: async () => {
        passes += 1;
        if (passes === 1) {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
        return false;
      },
    });
    await expect.poll(() => passes, { timeout: 5_000 }).toBe(1);
    worker.nudge(); // while the first pass is still running
    release();
    // No drain here (it would start a pass of its own): the nudge alone brings the second pass.
    await expect.poll(() => passes, { timeout: 5_000 }).toBe(2);
    await worker.stop();
  });

  it("logs a failing pass with the worker's name and carries on at the next poll", async () => {
    const { lines, logger } = capturedLogger();
    let calls = 0;
    const worker = startPollingWorker({
      name: "flaky worker",
      pollMs: 10,
      logger,
      pass: async () => {
        calls += 1;
        if (calls === 1) throw new Error("database went away");
        return false;
      },
    });
    await expect.poll(() => calls, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    await worker.stop();
    expect(
      lines.some((line) => line.includes("flaky worker pass failed") && line.includes("database went away")),
    ).toBe(true);
  });

  it("stop waits for the running pass and starts no other", async () => {
    const { logger } = capturedLogger();
    let passes = 0;
    let finished = false;
    const worker = startPollingWorker({
      name: "test worker",
      pollMs: 1,
      logger,
      pass: async () => {
        passes += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
        finished = true;
        return true;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.stop();
    expect(finished).toBe(true);
    const after = passes;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(passes).toBe(after);
  });
});

describe("steppedDelayMs", () => {
  it("steps through the table and repeats its last entry", () => {
    expect([0, 1, 4, 9].map((failure) => steppedDelayMs(failure))).toEqual([1_000, 5_000, 600_000, 600_000]);
    expect(steppedDelayMs(-1, [7, 8])).toBe(7);
    expect(steppedDelayMs(5, [7, 8])).toBe(8);
  });
});
