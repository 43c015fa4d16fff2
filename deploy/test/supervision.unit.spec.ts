import { describe, expect, it } from "vitest";
import {
  type BackoffPolicy,
  backoffDelayMs,
  DEFAULT_BACKOFF,
  decideOnExit,
  restartLine,
} from "../local/lib/supervision.ts";

const policy: BackoffPolicy = { initialDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 60_000 };
const crash = { code: 1, signal: null, uptimeMs: 500 };
const running = { stopping: false, failures: 0 };

describe("npm start's restart policy", () => {
  it("waits 1 s after a first failure and doubles the wait with each quick failure up to 30 s", () => {
    const delays: number[] = [];
    let failures = 0;
    for (let i = 0; i < 8; i++) {
      const decision = decideOnExit(crash, { stopping: false, failures }, policy);
      if (decision.action !== "restart") throw new Error("expected a restart");
      failures = decision.failures;
      delays.push(decision.delayMs);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(failures).toBe(8);
  });

  it("starts the count again after a run that stayed up a minute", () => {
    const decision = decideOnExit({ ...crash, uptimeMs: 60_000 }, { stopping: false, failures: 6 }, policy);
    expect(decision).toEqual({ action: "restart", delayMs: 1_000, failures: 1 });
  });

  it("restarts a service that died of a signal or exited 0 on its own, as well as one that failed", () => {
    for (const exit of [
      { code: null, signal: "SIGKILL" as const, uptimeMs: 5_000 },
      { code: 0, signal: null, uptimeMs: 5_000 },
      { code: 1, signal: null, uptimeMs: 5_000 },
    ]) {
      expect(decideOnExit(exit, running, policy).action).toBe("restart");
    }
  });

  it("restarts nothing during shutdown: exit 0 or our SIGTERM is clean, anything else is not", () => {
    const stopping = { stopping: true, failures: 0 };
    expect(decideOnExit({ code: 0, signal: null, uptimeMs: 1 }, stopping)).toEqual({
      action: "stopped",
      clean: true,
    });
    expect(decideOnExit({ code: null, signal: "SIGTERM", uptimeMs: 1 }, stopping)).toEqual({
      action: "stopped",
      clean: true,
    });
    expect(decideOnExit({ code: null, signal: "SIGKILL", uptimeMs: 1 }, stopping)).toEqual({
      action: "stopped",
      clean: false,
    });
    expect(decideOnExit({ code: 1, signal: null, uptimeMs: 1 }, stopping)).toEqual({
      action: "stopped",
      clean: false,
    });
  });

  it("uses 1 s doubling to 30 s, reset after a minute up, by default", () => {
    expect(DEFAULT_BACKOFF).toEqual(policy);
    expect(backoffDelayMs(1)).toBe(1_000);
    expect(backoffDelayMs(100)).toBe(30_000);
  });
});

describe("npm start's restart line", () => {
  it("says which service died, how, after how long, and when it restarts", () => {
    const exit = { code: null, signal: "SIGKILL" as const, uptimeMs: 12_345 };
    expect(restartLine("auth", exit, { delayMs: 1_000, failures: 1 }, policy)).toBe(
      "auth exited unexpectedly (signal SIGKILL) after 12.3 s: restarting in 1 s; the others keep running",
    );
  });

  it("counts failures in a row and, once the wait is at its cap, says it keeps failing", () => {
    const exit = { code: 1, signal: null, uptimeMs: 800 };
    expect(restartLine("memory", exit, { delayMs: 30_000, failures: 6 }, policy)).toBe(
      "memory exited unexpectedly (code 1) after 0.8 s, failure 6 in a row: restarting in 30 s; " +
        "the others keep running; it keeps failing, see its log above (retrying every 30 s until it stays up)",
    );
  });
});
