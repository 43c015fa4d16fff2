import { DEFAULT_RETRY_POLICY } from "@tessera/contracts";
import { describe, expect, it } from "vitest";
import { retryDelayMs } from "../src/backoff.ts";

const policy = { maxAttempts: 6, initialDelayMs: 1_000, factor: 2, maxDelayMs: 5_000, jitter: 0 };

describe("retry backoff", () => {
  it("grows exponentially from the initial delay and stops at the cap", () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(policy, attempt))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });

  it("takes at most the jitter share off a delay, at random", () => {
    const jittered = { ...policy, jitter: 0.5 };
    expect(retryDelayMs(jittered, 2, () => 0)).toBe(2_000);
    expect(retryDelayMs(jittered, 2, () => 0.999_999)).toBe(1_000);
    expect(retryDelayMs(jittered, 2, () => 0.5)).toBe(1_500);
  });

  it("spreads the default policy's delays between half and all of the exponential value", () => {
    const delays = Array.from({ length: 200 }, () => retryDelayMs(DEFAULT_RETRY_POLICY, 3));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4_000);
    expect(new Set(delays).size).toBeGreaterThan(10);
  });
});
