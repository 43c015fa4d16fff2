import {
  eventMetadata,
  type Logger,
  type PollingWorker,
  startPollingWorker,
  steppedDelayMs,
  systemContext,
} from "@tessera/service-kit";
import { memoryStreamId } from "../domain/memory.ts";
import { deferEmbeddings, listPendingEmbeddings, type PendingEmbedding } from "../infra/embedding-queue.ts";
import type { EmbeddingProvider } from "../infra/embeddings/provider.ts";
import { findNearDuplicate } from "../infra/memories.ts";
import { type MemoryDeps, runMemoryCommand } from "./deps.ts";

export type EmbedWorker = PollingWorker;

export interface EmbedWorkerOptions {
  pollMs: number;
  batchSize: number;
  /** Delay after the n-th failed attempt, in ms; the last value repeats. */
  retryDelaysMs?: readonly number[];
}

/**
 * Off the request path: embeds pending memories in batches and records an `embedded` event per
 * memory. A memory that came in pending (remote provider) is checked for near-duplicates here:
 * an older match is reinforced and the newcomer superseded by it. A provider failure defers the
 * batch with backoff and is logged once per batch; nothing is lost.
 */
export function startEmbedWorker(
  deps: Omit<MemoryDeps, "nudgeEmbedding"> & { logger: Logger; embedder: EmbeddingProvider },
  options: EmbedWorkerOptions,
): EmbedWorker {
  async function runOnce(): Promise<number> {
    const now = deps.clock();
    const pending = await listPendingEmbeddings(deps.db, now, options.batchSize);
    if (pending.length === 0) return 0;
    let vectors: number[][];
    try {
      vectors = await deps.embedder.embed(pending.map((memory) => memory.content));
    } catch (error) {
      const attempts = Math.min(...pending.map((memory) => memory.attempts));
      const delay = steppedDelayMs(attempts, options.retryDelaysMs);
      deps.logger.error({ err: error, memories: pending.length, retryInMs: delay }, "embedding failed");
      await deferEmbeddings(
        deps.db,
        pending.map((memory) => memory.id),
        new Date(now.getTime() + delay),
      );
      return 0;
    }
    for (const [index, memory] of pending.entries()) {
      const vector = vectors[index];
      if (vector) await record(memory, vector);
    }
    return pending.length;
  }

  async function record(memory: PendingEmbedding, embedding: number[]): Promise<void> {
    const now = deps.clock();
    const meta = { now, workingTtlMs: deps.policy.workingTtlMs };
    const { model, dimensions } = deps.embedder;
    const metadata = eventMetadata(systemContext("memory"), {
      projectId: memory.projectId,
      causationId: memoryStreamId(memory.id),
    });
    const target = { projectId: memory.projectId, memoryId: memory.id };
    await runMemoryCommand(
      deps.db,
      {
        type: "RecordEmbedding",
        data: { ...target, version: memory.version, model, dimensions, embedding },
        meta,
      },
      metadata,
    );
    // Only memories people recorded are merged; ingested chunks are evidence and stay apart.
    if (memory.version !== 1 || memory.ownerId === null || deps.policy.dedupeMaxDistance <= 0) return;
    const near = await findNearDuplicate(deps.db, {
      projectId: memory.projectId,
      collectionId: memory.collectionId,
      vector: embedding,
      model,
      dimensions,
      maxDistance: deps.policy.dedupeMaxDistance,
      now,
      excludeId: memory.id,
      createdBefore: memory.createdAt,
    });
    if (!near) return;
    await deps.db.transaction().execute(async (trx) => {
      await runMemoryCommand(
        trx,
        {
          type: "ReinforceMemory",
          data: { projectId: memory.projectId, memoryId: near.id, importance: 0 },
          meta,
        },
        metadata,
      );
      await runMemoryCommand(
        trx,
        { type: "SupersedeMemory", data: { ...target, supersededBy: near.id, reason: "duplicate" }, meta },
        metadata,
      );
    });
  }

  return startPollingWorker({
    name: "embed worker",
    pollMs: options.pollMs,
    logger: deps.logger,
    pass: async () => (await runOnce()) > 0,
  });
}
