import type { QuietHours } from "@tessera/contracts";

const MINUTE = 60_000;
export const DAY_MS = 24 * 60 * MINUTE;
export const WEEK_MS = 7 * DAY_MS;

/** Minutes since local midnight of `instant` in `zone`. */
export function localMinuteOfDay(instant: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(instant);
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
  return value("hour") * 60 + value("minute");
}

const minutesOf = (clock: string): number => {
  const [hours, minutes] = clock.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
};

/** Whether `instant` falls in the quiet window (which may span midnight) in `zone`. */
export function inQuietHours(instant: Date, quiet: QuietHours, zone: string): boolean {
  const now = localMinuteOfDay(instant, zone);
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/**
 * The first whole minute at or after `instant` outside the quiet window, in `zone`. Walks wall
 * time as the zone shows it, so a DST change inside the window moves the end by the hour the clocks
 * moved (22:00–08:00 in Berlin the night clocks go forward is one hour shorter in UTC), and an end
 * that falls in a skipped hour is the first minute after the skip.
 */
export function endOfQuietHours(instant: Date, quiet: QuietHours, zone: string): Date {
  if (!inQuietHours(instant, quiet, zone)) return instant;
  // Jump by the wall-clock distance to the end plus the most a DST change can add, then settle by minutes.
  const start = Math.ceil(instant.getTime() / MINUTE) * MINUTE;
  if (!inQuietHours(new Date(start), quiet, zone)) return new Date(start);
  const remaining = (minutesOf(quiet.end) - localMinuteOfDay(new Date(start), zone) + 1_440) % 1_440;
  let low = start;
  let high = start + (remaining + 61) * MINUTE;
  while (inQuietHours(new Date(high), quiet, zone)) high += 60 * MINUTE;
  // `low` is quiet and `high` is not: the end lies between, found to the minute.
  while (high - low > MINUTE) {
    const middle = low + Math.floor((high - low) / MINUTE / 2) * MINUTE;
    if (inQuietHours(new Date(middle), quiet, zone)) low = middle;
    else high = middle;
  }
  return new Date(high);
}

/**
 * When a rolling cap lets one more message out at or after `from`: with `sent` the times of the
 * contact's sent messages, at most `max` may fall within any `windowMs`.
 */
export function capFreesAt(from: Date, sent: readonly Date[], max: number | null, windowMs: number): Date {
  if (max === null) return from;
  const inWindow = sent
    .map((at) => at.getTime())
    .filter((at) => at > from.getTime() - windowMs)
    .sort((a, b) => a - b);
  if (inWindow.length < max) return from;
  // The oldest sends leave the window one by one; the one that brings the count under `max` frees it.
  const leaving = inWindow[inWindow.length - max];
  return new Date(Math.max(from.getTime(), (leaving ?? 0) + windowMs));
}

export interface DeliveryRules {
  readonly quietHours: QuietHours | null;
  readonly timezone: string | null;
  readonly maxPerDay: number | null;
  readonly maxPerWeek: number | null;
}

/**
 * The earliest time a message may go: not before `notBefore` (now or its `sendAt`), outside the
 * contact's quiet hours (in its zone, UTC when it has none) and under both rolling caps.
 */
export function earliestDelivery(notBefore: Date, rules: DeliveryRules, sent: readonly Date[]): Date {
  let at = notBefore;
  // Each rule only moves the time later; a few rounds settle it (a cap can push into quiet hours).
  for (let round = 0; round < 10; round++) {
    let next = capFreesAt(at, sent, rules.maxPerDay, DAY_MS);
    next = capFreesAt(next, sent, rules.maxPerWeek, WEEK_MS);
    if (rules.quietHours) next = endOfQuietHours(next, rules.quietHours, rules.timezone ?? "UTC");
    if (next.getTime() === at.getTime()) return at;
    at = next;
  }
  return at;
}
