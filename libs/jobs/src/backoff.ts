import type { RetryPolicy } from "@tessera/contracts";

/**
 * Delay before the attempt after `failedAttempt` (1-based), in ms: exponential from
 * `initialDelayMs` by `factor`, capped at `maxDelayMs`, then up to `jitter` of it taken off at random
 * so that runs failing together do not retry in lockstep.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number = Math.random) {
  const exponential = policy.initialDelayMs * policy.factor ** Math.max(0, failedAttempt - 1);
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped * (1 - policy.jitter * random()));
}
