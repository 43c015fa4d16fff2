import { ValidationError } from "@tessera/contracts";
import { describe, expect, it } from "vitest";
import { parseCron } from "../src/domain/cron.ts";

/** [expression, zone, after (UTC), expected next fire times (UTC)] */
const table: [string, string, string, string[]][] = [
  // Europe/Berlin springs forward 2026-03-29 02:00 → 03:00: a fixed 02:30 runs at 03:00 that day.
  [
    "30 2 * * *",
    "Europe/Berlin",
    "2026-03-27T12:00:00Z",
    ["2026-03-28T01:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"],
  ],
  // …and falls back 2026-10-25 03:00 → 02:00: 02:30 happens twice and runs once.
  [
    "30 2 * * *",
    "Europe/Berlin",
    "2026-10-24T12:00:00Z",
    ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"],
  ],
  // America/New_York falls back 2026-11-01 02:00 → 01:00: an interval pattern runs through both 01:xx hours.
  [
    "*/30 * * * *",
    "America/New_York",
    "2026-11-01T05:00:00Z",
    [
      "2026-11-01T05:30:00.000Z",
      "2026-11-01T06:00:00.000Z",
      "2026-11-01T06:30:00.000Z",
      "2026-11-01T07:00:00.000Z",
    ],
  ],
  // New York springs forward 2026-03-08 02:00 → 03:00: a daily 02:15 runs at 03:00 that day.
  [
    "15 2 * * *",
    "America/New_York",
    "2026-03-07T12:00:00Z",
    ["2026-03-08T07:00:00.000Z", "2026-03-09T06:15:00.000Z"],
  ],
  // Hourly through the Berlin spring-forward gap: 02:00 local does not exist, so 01:00 is followed by 03:00.
  [
    "0 * * * *",
    "Europe/Berlin",
    "2026-03-28T23:30:00Z",
    ["2026-03-29T00:00:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T02:00:00.000Z"],
  ],
  // Southern hemisphere: Sydney falls back 2026-04-05 03:00 → 02:00 (AEDT → AEST).
  [
    "0 9 * * *",
    "Australia/Sydney",
    "2026-04-03T12:00:00Z",
    ["2026-04-03T22:00:00.000Z", "2026-04-04T23:00:00.000Z", "2026-04-05T23:00:00.000Z"],
  ],
  // A zone without DST and a 6-field (seconds) expression.
  [
    "*/20 * * * * *",
    "Asia/Kolkata",
    "2026-06-01T00:00:05Z",
    ["2026-06-01T00:00:20.000Z", "2026-06-01T00:00:40.000Z", "2026-06-01T00:01:00.000Z"],
  ],
  // Weekdays at 09:00 Berlin, across the summer-time change (UTC offset +1 → +2).
  [
    "0 9 * * 1-5",
    "Europe/Berlin",
    "2026-03-26T12:00:00Z",
    ["2026-03-27T08:00:00.000Z", "2026-03-30T07:00:00.000Z"],
  ],
];

describe("cron next-fire times across daylight-saving changes", () => {
  it.each(table)("%s in %s after %s", (expression, zone, after, expected) => {
    const cron = parseCron(expression, zone);
    const fires: string[] = [];
    let cursor = new Date(after);
    for (const _ of expected) {
      const next = cron.next(cursor);
      expect(next).not.toBeNull();
      fires.push(next!.toISOString());
      cursor = next!;
    }
    expect(fires).toEqual(expected);
  });

  it("finds the previous occurrence before a time", () => {
    const cron = parseCron("0 3 * * *", "UTC");
    expect(cron.previous(new Date("2026-05-10T02:59:00Z"))?.toISOString()).toBe("2026-05-09T03:00:00.000Z");
  });

  it("rejects a malformed expression naming the cron field", () => {
    for (const bad of ["61 * * * *", "* * * *", "* * * * * * *", "every day"]) {
      const error = (() => {
        try {
          parseCron(bad, "UTC");
        } catch (err) {
          return err;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect(error instanceof ValidationError && error.errors?.[0]?.field).toBe("cron");
    }
  });

  it("rejects an unknown time zone naming the timezone field", () => {
    expect(() => parseCron("* * * * *", "Mars/Olympus")).toThrow(ValidationError);
  });
});
