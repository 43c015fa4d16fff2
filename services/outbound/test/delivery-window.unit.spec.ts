import { describe, expect, it } from "vitest";
import { capFreesAt, DAY_MS, earliestDelivery, endOfQuietHours } from "../src/domain/delivery-window.ts";

const NIGHT = { start: "22:00", end: "08:00" };
const at = (iso: string) => new Date(iso);

describe("quiet hours in the contact's time zone", () => {
  it("delays a message sent at night to 08:00 local time, on an ordinary winter night in Berlin", () => {
    // 23:00 CET (UTC+1) → 08:00 CET = 07:00Z.
    expect(endOfQuietHours(at("2026-03-20T22:00:00Z"), NIGHT, "Europe/Berlin").toISOString()).toBe(
      "2026-03-21T07:00:00.000Z",
    );
  });

  it("ends at 08:00 summer time the night the clocks go forward (end of March)", () => {
    // 23:00 CET on 28 March; at 02:00 the clocks jump to 03:00 CEST; 08:00 CEST = 06:00Z.
    expect(endOfQuietHours(at("2026-03-28T22:00:00Z"), NIGHT, "Europe/Berlin").toISOString()).toBe(
      "2026-03-29T06:00:00.000Z",
    );
  });

  it("ends at 08:00 winter time the night the clocks go back (end of October)", () => {
    // 23:00 CEST on 24 October; at 03:00 the clocks go back to 02:00 CET; 08:00 CET = 07:00Z.
    expect(endOfQuietHours(at("2026-10-24T21:00:00Z"), NIGHT, "Europe/Berlin").toISOString()).toBe(
      "2026-10-25T07:00:00.000Z",
    );
  });

  it("ends at the first minute after the skipped hour when the end falls inside it", () => {
    const quiet = { start: "01:00", end: "02:30" };
    // 01:30 CET on 29 March; 02:30 does not exist that night: 03:00 CEST = 01:00Z.
    expect(endOfQuietHours(at("2026-03-29T00:30:00Z"), quiet, "Europe/Berlin").toISOString()).toBe(
      "2026-03-29T01:00:00.000Z",
    );
  });

  it("leaves a time outside the window alone, and windows within one day work too", () => {
    expect(endOfQuietHours(at("2026-06-01T10:00:00Z"), NIGHT, "Europe/Berlin").toISOString()).toBe(
      "2026-06-01T10:00:00.000Z",
    );
    const lunch = { start: "12:00", end: "13:00" };
    expect(endOfQuietHours(at("2026-06-01T10:15:00Z"), lunch, "Europe/Berlin").toISOString()).toBe(
      "2026-06-01T11:00:00.000Z",
    );
  });

  it("reads the window in the contact's zone, not the server's", () => {
    // 23:00 in New York (EDT, UTC-4) is 03:00Z; the end is 08:00 EDT = 12:00Z.
    expect(endOfQuietHours(at("2026-06-02T03:00:00Z"), NIGHT, "America/New_York").toISOString()).toBe(
      "2026-06-02T12:00:00.000Z",
    );
  });
});

describe("rolling caps", () => {
  const sent = [at("2026-06-01T08:00:00Z"), at("2026-06-01T09:00:00Z")];

  it("lets a message out at once under the cap", () => {
    expect(capFreesAt(at("2026-06-01T10:00:00Z"), sent, 3, DAY_MS).toISOString()).toBe(
      "2026-06-01T10:00:00.000Z",
    );
  });

  it("waits until the oldest send in the window leaves it when the cap is reached", () => {
    expect(capFreesAt(at("2026-06-01T10:00:00Z"), sent, 2, DAY_MS).toISOString()).toBe(
      "2026-06-02T08:00:00.000Z",
    );
    expect(capFreesAt(at("2026-06-01T10:00:00Z"), sent, 1, DAY_MS).toISOString()).toBe(
      "2026-06-02T09:00:00.000Z",
    );
  });

  it("combines caps, quiet hours and the message's own sendAt", () => {
    const rules = { quietHours: NIGHT, timezone: "Europe/Berlin", maxPerDay: 2, maxPerWeek: null };
    // The cap frees at 08:00Z on 2 June, which is 10:00 CEST: outside quiet hours.
    expect(earliestDelivery(at("2026-06-01T10:00:00Z"), rules, sent).toISOString()).toBe(
      "2026-06-02T08:00:00.000Z",
    );
    // A day cap freeing at 21:30Z (23:30 CEST) lands in quiet hours: 08:00 CEST = 06:00Z.
    const late = [at("2026-06-01T21:30:00Z")];
    const one = { ...rules, maxPerDay: 1 };
    expect(earliestDelivery(at("2026-06-02T10:00:00Z"), one, late).toISOString()).toBe(
      "2026-06-03T06:00:00.000Z",
    );
  });
});
