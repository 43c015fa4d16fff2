/**
 * Login throttling policy (docs/decisions: login throttling). Failures are counted per account (by
 * email, known or not, across addresses) and per client address (across accounts). Past the free
 * failures, each further attempt must wait `base · 2^(extra failures)` seconds after the last
 * failure, capped; the account cap is short so an attacker cannot keep a victim out for long, and
 * a successful sign-in clears the account's count.
 */
export interface ThrottleRule {
  /** Failures allowed before any delay. */
  freeFailures: number;
  /** Delay after the first failure past the free ones, in seconds. */
  baseDelaySeconds: number;
  /** The longest delay, in seconds. */
  maxDelaySeconds: number;
  /** A count is forgotten once its last failure is older than this, in ms. */
  windowMs: number;
}

export interface FailureCount {
  failures: number;
  lastFailureAt: Date;
}

/** The delay a number of failures imposes after the last one, in seconds (0: none). */
export function delayAfterFailures(failures: number, rule: ThrottleRule): number {
  if (failures < rule.freeFailures) return 0;
  const exponent = Math.min(failures - rule.freeFailures, 30);
  return Math.min(rule.baseDelaySeconds * 2 ** exponent, rule.maxDelaySeconds);
}

/** Whole seconds until another attempt is allowed under this count (0: allowed now). */
export function secondsUntilAllowed(count: FailureCount | undefined, rule: ThrottleRule, now: Date): number {
  if (!count || isForgotten(count, rule, now)) return 0;
  const allowedAt = count.lastFailureAt.getTime() + delayAfterFailures(count.failures, rule) * 1000;
  return Math.max(0, Math.ceil((allowedAt - now.getTime()) / 1000));
}

function isForgotten(count: FailureCount, rule: ThrottleRule, now: Date): boolean {
  return now.getTime() - count.lastFailureAt.getTime() > rule.windowMs;
}
