import { ValidationError } from "@tessera/contracts";
import { Cron } from "croner";

/**
 * A cron expression in an IANA time zone: 5 fields (minute precision) or 6 (leading seconds).
 * Daylight-saving changes follow Vixie cron (croner ≥ 11): a fixed time that falls in a spring-forward
 * gap fires at the first valid time after it; a fixed time that occurs twice at fall-back fires once;
 * interval patterns (`*`, steps) keep their rhythm in real time through both.
 */
export interface CronSchedule {
  /** The first occurrence strictly after `after`, or null when the expression never fires again. */
  next(after: Date): Date | null;
  /** The last occurrence strictly before `before`, or null. */
  previous(before: Date): Date | null;
  /** Up to `count` occurrences strictly before `before`, newest first. */
  previousMany(count: number, before: Date): Date[];
}

export function parseCron(expression: string, timezone: string): CronSchedule {
  assertTimezone(timezone);
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone, mode: "5-or-6-parts", paused: true });
  } catch (err) {
    throw new ValidationError("The cron expression is not valid.", [
      { field: "cron", message: describe(err) },
    ]);
  }
  return {
    next: (after) => cron.nextRun(after),
    previous: (before) => cron.previousRuns(1, before)[0] ?? null,
    previousMany: (count, before) => cron.previousRuns(count, before),
  };
}

/**
 * The schedule an expression makes, refused naming `cron` when it has no occurrence after `now`: a
 * date that does not exist (30 February, 31 April) parses but never fires.
 */
export function parseFiringCron(expression: string, timezone: string, now: Date): CronSchedule {
  const cron = parseCron(expression, timezone);
  if (cron.next(now) === null) {
    throw new ValidationError("The cron expression never fires.", [
      { field: "cron", message: "matches no date from now on (such as 30 February)" },
    ]);
  }
  return cron;
}

function assertTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new ValidationError("The time zone is not valid.", [
      { field: "timezone", message: "must be an IANA time zone such as Europe/Berlin" },
    ]);
  }
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/^CronPattern: /, "").slice(0, 200);
}
