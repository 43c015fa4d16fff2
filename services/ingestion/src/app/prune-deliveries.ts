import type { Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { pruneIdentityDeliveries } from "../infra/identity-deliveries.ts";
import { pruneDeliveries } from "../infra/items.ts";
import type { SourcesDb } from "../infra/sources.tables.ts";

/** Rows deleted per statement, so a large backlog never holds one long transaction. */
const PRUNE_BATCH = 5_000;

export interface DeliveryPruning {
  /** One pass now (tests call it); resolves with how many delivery ids were forgotten. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Forgets webhook and identity-hook delivery ids once they are older than the dedupe window, every `intervalMs`.
 * Claims already treat an expired id as new, so this only keeps the table small; every replica
 * may run it.
 */
export function startDeliveryPruning(options: {
  db: Kysely<SourcesDb>;
  clock: () => Date;
  windowMs: number;
  intervalMs: number;
  logger: Logger;
}): DeliveryPruning {
  const { db, clock, windowMs, logger } = options;
  const runOnce = async (): Promise<number> => {
    const windowStart = new Date(clock().getTime() - windowMs);
    let total = 0;
    for (const prune of [pruneDeliveries, pruneIdentityDeliveries]) {
      for (;;) {
        const removed = await prune(db, windowStart, PRUNE_BATCH);
        total += removed;
        if (removed < PRUNE_BATCH) break;
      }
    }
    return total;
  };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = runOnce().catch((error: unknown) =>
      logger.warn({ err: error }, "pruning webhook delivery ids failed"),
    );
  }, options.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
