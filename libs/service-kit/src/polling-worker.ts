import type { Logger } from "pino";

/** A loop off the request path that looks for work in Postgres: on a timer, and when nudged. */
export interface PollingWorker {
  /** Look for work now rather than at the next poll. */
  nudge(): void;
  /** Resolves once a pass has found nothing more to do (tests, re-embedding). */
  drain(): Promise<void>;
  /** No new pass starts; resolves when the running one has finished. */
  stop(): Promise<void>;
}

export interface PollingWorkerOptions {
  /** Names the worker in its log lines, e.g. `document worker`. */
  name: string;
  /** Time between passes when nothing nudges, in ms. */
  pollMs: number;
  logger: Logger;
  /**
   * One unit of work: true when it did something and more may be due at once (the next pass
   * starts straight away), false when nothing was due. A throw is logged and the worker goes on
   * at the next poll; the pass decides what a failure means for the work it held.
   */
  pass: () => Promise<boolean>;
}

/** Delay after the n-th failure (0-based), in ms, from a table whose last entry repeats. */
export function steppedDelayMs(
  failure: number,
  delaysMs: readonly number[] = [1_000, 5_000, 30_000, 120_000, 600_000],
): number {
  return delaysMs[Math.max(0, Math.min(failure, delaysMs.length - 1))] ?? 60_000;
}

/**
 * Runs `pass` until it finds nothing, then waits `pollMs` (or a nudge). One pass at a time: a
 * nudge during a pass makes the worker look again as soon as it ends, so nothing nudged is missed.
 */
export function startPollingWorker(options: PollingWorkerOptions): PollingWorker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let again = false;

  async function loop(): Promise<void> {
    do {
      again = false;
      try {
        while (!stopped && (await options.pass()));
      } catch (error) {
        options.logger.error({ err: error }, `${options.name} pass failed`);
      }
    } while (again && !stopped);
  }

  function schedule(delay: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void wake(), delay);
  }

  function wake(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = loop().finally(() => {
      running = undefined;
      schedule(options.pollMs);
    });
    return running;
  }

  schedule(0);
  return {
    nudge: () => void wake(),
    async drain() {
      await wake();
      if (running) await running;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
