import { type Logger, type Metrics, scrapedGauges } from "@tessera/service-kit";
import { embeddingQueueDepth } from "../infra/embedding-queue.ts";
import type { Db } from "../infra/memories.ts";

/** The embed worker's queue on the ops port, read at each scrape, by the configured model. */
export function embeddingQueueGauges(
  metrics: Metrics,
  deps: { db: Db; logger: Logger; clock: () => Date; model: string },
): void {
  const { model } = deps;
  scrapedGauges(
    metrics,
    { what: "embedding queue", read: () => embeddingQueueDepth(deps.db, deps.clock()), logger: deps.logger },
    [
      {
        name: "memory_embedding_queue_memories",
        help: "Memories waiting for a vector: due now, or deferred after a failed attempt.",
        labelNames: ["model", "state"],
        fill: (gauge, depth) => {
          gauge.set({ model, state: "due" }, depth.due);
          gauge.set({ model, state: "deferred" }, depth.waiting - depth.due);
        },
      },
      {
        name: "memory_embedding_queue_oldest_seconds",
        help: "How long the oldest memory due for a vector has waited; 0 when none is due.",
        labelNames: ["model"],
        fill: (gauge, depth) => gauge.set({ model }, depth.oldestDueSeconds),
      },
    ],
  );
}
