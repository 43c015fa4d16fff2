import type { Logger } from "@tessera/service-kit";

/** Work that outlives its request (so the answer's timing does not depend on it), awaited at stop. */
export interface BackgroundTasks {
  run(name: string, requestId: string, work: () => Promise<void>): void;
  settled(): Promise<void>;
}

export function backgroundTasks(logger: Logger): BackgroundTasks {
  const running = new Set<Promise<void>>();
  return {
    run(name, requestId, work) {
      const task = work()
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
