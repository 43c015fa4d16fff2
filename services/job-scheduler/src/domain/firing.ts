import type { CatchUp } from "@tessera/contracts";
import type { CronSchedule } from "./cron.ts";

/** At most this many occurrences of one schedule are fired in one tick. */
export const MAX_FIRINGS_PER_TICK = 500;

export interface FiringPlan {
  /** Occurrences to run now, oldest first. */
  fire: Date[];
  /** Missed occurrences the catch-up policy or the per-tick limit leaves out (at least this many). */
  skipped: number;
  /** The next occurrence after `now`, or null when there is none. */
  nextFireAt: Date | null;
}

/**
 * Which occurrences are due at `now` for a schedule whose next occurrence was `nextFireAt`. An
 * occurrence no older than `graceMs` is on time and always fires; older ones were missed (the
 * scheduler was down or paused) and fire only as the catch-up policy says: none, the latest, or all
 * within the window.
 */
export function planFirings(
  cron: CronSchedule,
  input: { nextFireAt: Date; now: Date; catchUp: CatchUp; graceMs: number },
): FiringPlan {
  const { now, catchUp, graceMs } = input;
  const onTimeFrom = new Date(now.getTime() - graceMs);
  const windowFrom = new Date(now.getTime() - catchUp.windowSeconds * 1000);
  let missedFrom = catchUp.policy === "all" ? windowFrom : onTimeFrom;
  if (catchUp.policy === "all" && input.nextFireAt < onTimeFrom) {
    // No more than one tick's worth of missed occurrences is enumerated: a per-second schedule with a
    // 30-day window would otherwise walk 2.6 million of them in one tick.
    const newestMissed = cron.previousMany(MAX_FIRINGS_PER_TICK, onTimeFrom);
    const oldestKept = newestMissed.at(-1);
    if (newestMissed.length === MAX_FIRINGS_PER_TICK && oldestKept && oldestKept > missedFrom) {
      missedFrom = oldestKept;
    }
  }
  const fire: Date[] = [];
  let skipped = 0;
  // A latest missed occurrence before the enumeration start (a long downtime) is found directly.
  const enumerateFrom = new Date(Math.max(input.nextFireAt.getTime(), missedFrom.getTime()));
  if (input.nextFireAt < enumerateFrom) {
    skipped += 1;
    if (catchUp.policy === "latest") {
      const latest = cron.previous(onTimeFrom);
      if (latest && latest >= input.nextFireAt) fire.push(latest);
    }
  }
  let occurrence: Date | null =
    enumerateFrom.getTime() === input.nextFireAt.getTime()
      ? input.nextFireAt
      : cron.next(new Date(enumerateFrom.getTime() - 1));
  const missed: Date[] = [];
  while (occurrence && occurrence <= now) {
    if (occurrence >= onTimeFrom) fire.push(occurrence);
    else missed.push(occurrence);
    occurrence = cron.next(occurrence);
  }
  const caughtUp = catchUpMissed(missed, catchUp, windowFrom);
  skipped += missed.length - caughtUp.length;
  const all = [...caughtUp, ...fire].sort((a, b) => a.getTime() - b.getTime());
  const unique = all.filter((d, i) => i === 0 || d.getTime() !== all[i - 1]!.getTime());
  // Over the limit, the oldest catch-ups give way: on-time occurrences always fire.
  const dropped = Math.max(0, unique.length - MAX_FIRINGS_PER_TICK);
  return { fire: unique.slice(dropped), skipped: skipped + dropped, nextFireAt: occurrence };
}

function catchUpMissed(missed: Date[], catchUp: CatchUp, windowFrom: Date): Date[] {
  switch (catchUp.policy) {
    case "none":
      return [];
    case "latest":
      return missed.length > 0 ? [missed[missed.length - 1]!] : [];
    case "all":
      return missed.filter((occurrence) => occurrence >= windowFrom);
    default: {
      const unknown: never = catchUp.policy;
      return unknown;
    }
  }
}
