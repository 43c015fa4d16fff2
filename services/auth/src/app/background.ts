import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "@tessera/service-kit";

/** Work that outlives its request (so the answer's timing does not depend on it), awaited at stop. */
export interface BackgroundTasks {
  run(name: string, requestId: string, work: () => Promise<void>): void;
  settled(): Promise<void>;
}

/**
 * Rest before a task starts, in ms. Even the work's first steps (key material, encryption,
 * queries) compete for the CPU with the answer it follows, on its way through NATS to the gateway;
 * started at once they made a known email's answer measurably slower (auth/test/enumeration).
 * @default 10
 */
export const BACKGROUND_START_DELAY_MS = 10;

export function backgroundTasks(logger: Logger, startDelayMs = BACKGROUND_START_DELAY_MS): BackgroundTasks {
  const running = new Set<Promise<void>>();
  return {
    run(name, requestId, work) {
      const task = sleep(startDelayMs)
        .then(work)
        .catch((error: unknown) =>
          logger.error({ err: error, task: name, requestId }, "background task failed"),
        )
        .finally(() => running.delete(task));
      running.add(task);
    },
    async settled() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
