/** Minimal structural logger (pino-compatible), so the store does not depend on service-kit. */
export interface EventStoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A background catch-up processor (async projection, outbox relay). */
export interface RunningProcessor {
  /** Finishes the batch in flight, releases locks and connections. */
  stop(): Promise<void>;
  /**
   * Resolves once every event committed before the call has been processed (by this replica or
   * another one); rejects with ProcessorStoppedError if stopped first. Meant for tests and shutdown.
   */
  drain(): Promise<void>;
}

const silentLogger: EventStoreLogger = { info() {}, warn() {}, error() {} };

export function orSilent(logger: EventStoreLogger | undefined): EventStoreLogger {
  return logger ?? silentLogger;
}

/** What one round of a processor reports: how long to rest before the next round. */
export type StepOutcome = "more" | "idle";

export interface Loop {
  stop(): Promise<void>;
  isStopped(): boolean;
  /**
   * Sleeps `ms`, or less when the loop is stopped meanwhile, or when `wakeOn` calls the wake it is
   * given (it returns how to stop listening).
   */
  rest(ms: number, wakeOn?: (wake: () => void) => () => void): Promise<void>;
}

/**
 * Runs `step` until stopped: immediately again after "more", after `pollMs` after "idle", after
 * `errorBackoffMs` when it throws (logged; the processor keeps going, as a restart would).
 */
export function runLoop(options: {
  name: string;
  logger: EventStoreLogger;
  pollMs: number;
  errorBackoffMs: number;
  step: (loop: Loop) => Promise<StepOutcome>;
}): Loop {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop: Loop = {
    isStopped: () => stopped,
    rest: (ms, wakeOn) =>
      new Promise<void>((resolve) => {
        if (stopped) return resolve();
        const timer = setTimeout(done, ms);
        let unsubscribe: (() => void) | undefined;
        function done() {
          clearTimeout(timer);
          unsubscribe?.();
          wake = undefined;
          resolve();
        }
        wake = done;
        unsubscribe = wakeOn?.(done);
      }),
    async stop() {
      stopped = true;
      wake?.();
      await running;
    },
  };
  const running = (async () => {
    while (!stopped) {
      try {
        const outcome = await options.step(loop);
        if (outcome === "idle") await loop.rest(options.pollMs);
      } catch (error) {
        options.logger.error({ err: error, processor: options.name }, "event processor failed; retrying");
        await loop.rest(options.errorBackoffMs);
      }
    }
  })();
  return loop;
}
