import { describe, expect, it } from "vitest";
import { delayAfterFailures, secondsUntilAllowed, type ThrottleRule } from "../src/domain/throttle.ts";

const rule: ThrottleRule = {
  freeFailures: 5,
  baseDelaySeconds: 1,
  maxDelaySeconds: 60,
  windowMs: 15 * 60_000,
};
const now = new Date("2026-11-21T12:00:00.000Z");
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe("login throttling policy", () => {
  it("lets the free failures through without delay", () => {
    for (let failures = 0; failures < 5; failures++) expect(delayAfterFailures(failures, rule)).toBe(0);
  });

  it("doubles the delay with every failure past the free ones", () => {
    expect([5, 6, 7, 8, 9].map((failures) => delayAfterFailures(failures, rule))).toEqual([1, 2, 4, 8, 16]);
  });

  it("never delays an account longer than the cap, however many failures", () => {
    expect(delayAfterFailures(11, rule)).toBe(60);
    expect(delayAfterFailures(10_000, rule)).toBe(60);
  });

  it("counts the delay from the last failure and rounds the wait up to whole seconds", () => {
    expect(secondsUntilAllowed({ failures: 8, lastFailureAt: ago(3.5) }, rule, now)).toBe(5);
    expect(secondsUntilAllowed({ failures: 8, lastFailureAt: ago(8) }, rule, now)).toBe(0);
  });

  it("forgets failures once the window has passed since the last one", () => {
    expect(secondsUntilAllowed({ failures: 50, lastFailureAt: ago(15 * 60 + 1) }, rule, now)).toBe(0);
    expect(secondsUntilAllowed(undefined, rule, now)).toBe(0);
  });
});
