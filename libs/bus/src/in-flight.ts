/** Counts running handlers so a drain can wait for them, and bounds how many run at once. */
export interface InFlight {
  readonly size: number;
  /** Runs `work`, tracked until it settles. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves once fewer than `limit` tracked tasks are running. */
  belowLimit(limit: number): Promise<void>;
  /** Resolves once every tracked task has settled (including ones started while waiting). */
  settled(): Promise<void>;
}

export function createInFlight(): InFlight {
  // Entries never reject: a failed task is the caller's to handle, the tracker only waits for it.
  const running = new Set<Promise<void>>();
  return {
    get size() {
      return running.size;
    },
    track<T>(work: Promise<T>): Promise<T> {
      const entry: Promise<void> = work.then(
        () => void running.delete(entry),
        () => void running.delete(entry),
      );
      running.add(entry);
      return work;
    },
    async belowLimit(limit: number) {
      while (running.size >= limit) {
        await Promise.race(running);
      }
    },
    async settled() {
      while (running.size > 0) {
        await Promise.all(running);
      }
    },
  };
}
