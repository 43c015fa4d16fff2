import type { CatchUp } from "@tessera/contracts";
import { describe, expect, it } from "vitest";
import { type CronSchedule, parseCron } from "../src/domain/cron.ts";
import { MAX_FIRINGS_PER_TICK, planFirings } from "../src/domain/firing.ts";

const everyMinute = parseCron("* * * * *", "UTC");
const at = (time: string) => new Date(`2026-05-01T${time}Z`);
const iso = (dates: Date[]) => dates.map((d) => d.toISOString().slice(11, 19));
const plan = (nextFireAt: string, now: string, catchUp: CatchUp, graceMs = 30_000) =>
  planFirings(everyMinute, { nextFireAt: at(nextFireAt), now: at(now), catchUp, graceMs });

describe("which occurrences fire on a tick", () => {
  it("fires an on-time occurrence whatever the catch-up policy", () => {
    const result = plan("10:00:00", "10:00:00.200", { policy: "none", windowSeconds: 3600 });
    expect(iso(result.fire)).toEqual(["10:00:00"]);
    expect(result.nextFireAt?.toISOString()).toBe("2026-05-01T10:01:00.000Z");
    expect(result.skipped).toBe(0);
  });

  it("skips every missed occurrence with catch-up none", () => {
    const result = plan("10:00:00", "10:05:40", { policy: "none", windowSeconds: 3600 });
    expect(result.fire).toEqual([]);
    expect(result.nextFireAt?.toISOString()).toBe("2026-05-01T10:06:00.000Z");
  });

  it("fires only the latest missed occurrence with catch-up latest", () => {
    const result = plan("10:00:00", "10:05:40", { policy: "latest", windowSeconds: 3600 });
    expect(iso(result.fire)).toEqual(["10:05:00"]);
  });

  it("fires the latest missed occurrence and the on-time one together", () => {
    const result = plan("10:00:00", "10:05:10", { policy: "latest", windowSeconds: 3600 });
    expect(iso(result.fire)).toEqual(["10:04:00", "10:05:00"]);
  });

  it("fires every missed occurrence inside the window with catch-up all, oldest first", () => {
    const result = plan("09:00:00", "10:05:40", { policy: "all", windowSeconds: 180 });
    expect(iso(result.fire)).toEqual(["10:03:00", "10:04:00", "10:05:00"]);
    expect(result.skipped).toBeGreaterThan(0);
  });

  it("finds the latest missed occurrence after a downtime of days without walking every minute", () => {
    const result = plan("10:00:00", "10:00:40", { policy: "latest", windowSeconds: 60 });
    expect(iso(result.fire)).toEqual(["10:00:00"]);
    const long = planFirings(everyMinute, {
      nextFireAt: new Date("2026-04-01T00:00:00Z"),
      now: at("10:05:40"),
      catchUp: { policy: "latest", windowSeconds: 60 },
      graceMs: 30_000,
    });
    expect(long.fire.map((d) => d.toISOString())).toEqual(["2026-05-01T10:05:00.000Z"]);
  });

  it("fires nothing before the next occurrence is due", () => {
    const result = plan("10:01:00", "10:00:30", { policy: "all", windowSeconds: 3600 });
    expect(result.fire).toEqual([]);
    expect(result.nextFireAt?.toISOString()).toBe("2026-05-01T10:01:00.000Z");
  });
});

describe("a tick with more occurrences due than it may fire", () => {
  const everySecond = parseCron("* * * * * *", "UTC");
  /** Counts the occurrences the planner walks through. */
  function counting(cron: CronSchedule): { cron: CronSchedule; steps: () => number } {
    let steps = 0;
    return {
      cron: {
        ...cron,
        next: (after) => {
          steps += 1;
          return cron.next(after);
        },
      },
      steps: () => steps,
    };
  }

  it("keeps the newest occurrences, the on-time ones included, and counts the rest as skipped", () => {
    const now = at("10:20:00.300");
    const result = planFirings(everySecond, {
      nextFireAt: at("10:00:00"),
      now,
      catchUp: { policy: "all", windowSeconds: 3600 },
      graceMs: 30_000,
    });
    expect(result.fire).toHaveLength(MAX_FIRINGS_PER_TICK);
    expect(result.fire.at(-1)?.toISOString()).toBe("2026-05-01T10:20:00.000Z");
    expect(result.fire.filter((occurrence) => occurrence >= at("10:19:30.300"))).toHaveLength(30);
    expect(result.nextFireAt?.toISOString()).toBe("2026-05-01T10:20:01.000Z");
    expect(result.skipped).toBeGreaterThan(0);
  });

  it("plans a catch-up over a 30-day window of a per-second schedule without walking every occurrence", () => {
    const walked = counting(everySecond);
    const result = planFirings(walked.cron, {
      nextFireAt: new Date("2026-04-01T10:20:00Z"),
      now: at("10:20:00.300"),
      catchUp: { policy: "all", windowSeconds: 30 * 86_400 },
      graceMs: 30_000,
    });
    expect(result.fire).toHaveLength(MAX_FIRINGS_PER_TICK);
    expect(result.fire.at(-1)?.toISOString()).toBe("2026-05-01T10:20:00.000Z");
    expect(walked.steps()).toBeLessThan(2 * MAX_FIRINGS_PER_TICK);
  });
});
