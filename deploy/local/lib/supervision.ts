/**
 * When `npm start` restarts a service that exited on its own, and what it says about it.
 * Pure: deploy/local/start.ts owns the processes and timers.
 */

export interface BackoffPolicy {
  /** Wait before the first restart, in ms. */
  readonly initialDelayMs: number;
  /** The wait doubles with every failure in a row, up to this, in ms. */
  readonly maxDelayMs: number;
  /** A run at least this long is a success: the next failure waits `initialDelayMs` again, in ms. */
  readonly stableAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
};

/** One exit of a service's process, as `child.on("close")` reports it. */
export interface ServiceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** How long the process ran, in ms. */
  readonly uptimeMs: number;
}

export type ExitDecision =
  | { readonly action: "stopped"; readonly clean: boolean }
  | { readonly action: "restart"; readonly delayMs: number; readonly failures: number };

/**
 * During shutdown an exit is the end (clean when the service exited 0 or died of our SIGTERM).
 * Otherwise any exit is a failure, even code 0: services never finish on their own. Failures in a
 * row count up unless the run before lasted `stableAfterMs`, and each one doubles the wait.
 * There is no give-up: the wait stays at `maxDelayMs`, so a fixed file or server is picked up.
 */
export function decideOnExit(
  exit: ServiceExit,
  state: { readonly stopping: boolean; readonly failures: number },
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): ExitDecision {
  if (state.stopping) return { action: "stopped", clean: exit.code === 0 || exit.signal === "SIGTERM" };
  const failures = exit.uptimeMs >= policy.stableAfterMs ? 1 : state.failures + 1;
  return { action: "restart", delayMs: backoffDelayMs(failures, policy), failures };
}

/** The wait before restart number `failures` of a run of failures (1 is the first). */
export function backoffDelayMs(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const doublings = Math.max(0, Math.min(failures - 1, 30));
  return Math.min(policy.initialDelayMs * 2 ** doublings, policy.maxDelayMs);
}

export function describeExit(exit: Pick<ServiceExit, "code" | "signal">): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/** The one line `npm start` prints when it schedules a restart. */
export function restartLine(
  name: string,
  exit: ServiceExit,
  decision: { readonly delayMs: number; readonly failures: number },
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): string {
  const inARow = decision.failures > 1 ? `, failure ${decision.failures} in a row` : "";
  const hint =
    decision.delayMs >= policy.maxDelayMs
      ? `; it keeps failing, see its log above (retrying every ${seconds(policy.maxDelayMs)} until it stays up)`
      : "";
  return (
    `${name} exited unexpectedly (${describeExit(exit)}) after ${seconds(exit.uptimeMs)}${inARow}: ` +
    `restarting in ${seconds(decision.delayMs)}; the others keep running${hint}`
  );
}
