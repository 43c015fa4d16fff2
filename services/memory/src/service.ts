import {
  collectionsCreate,
  collectionsDelete,
  collectionsList,
  collectionsRename,
  embeddingsReembed,
  MEMORY_EVENTS,
  memoriesForget,
  memoriesGet,
  memoriesHistory,
  memoriesPrune,
  memoriesRecord,
  memoriesRevise,
  memoriesSearch,
} from "@tessera/contracts";
import { startJobWorker } from "@tessera/jobs";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { forgetMemory, reviseMemory } from "./app/change-memory.ts";
import {
  createCollection,
  deleteCollection,
  listProjectCollections,
  renameCollection,
} from "./app/collections.ts";
import type { MemoryDeps } from "./app/deps.ts";
import { type EmbedWorker, startEmbedWorker } from "./app/embed-worker.ts";
import { embeddingQueueGauges } from "./app/embedding-metrics.ts";
import { memoryJobs } from "./app/memory-jobs.ts";
import { DOCUMENT_CHUNKS_SUBJECT, ON_DOCUMENT_CHUNKS, onDocumentChunks } from "./app/on-document-chunks.ts";
import { ON_USER_ERASED, onUserErased } from "./app/on-user-erased.ts";
import { pruneExpired } from "./app/prune.ts";
import { registerPruneSchedule } from "./app/prune-schedule.ts";
import { getMemory, getMemoryHistory } from "./app/read-memory.ts";
import { memoryReadModel } from "./app/read-model.ts";
import { recordMemory } from "./app/record-memory.ts";
import { reembed } from "./app/reembed.ts";
import { searchMemories } from "./app/search-memories.ts";
import type { MemoryConfig } from "./config.ts";
import { ensureEmbeddingIndex } from "./infra/embedding-index.ts";
import { countStaleEmbeddings } from "./infra/embedding-queue.ts";
import { createLocalEmbedder } from "./infra/embeddings/local.ts";
import { createOpenAiEmbedder } from "./infra/embeddings/openai.ts";
import type { EmbeddingProvider } from "./infra/embeddings/provider.ts";
import { memoryStores } from "./infra/event-store.ts";
import * as enableVector from "./infra/migrations/2026_11_21_0001_enable_vector.ts";
import * as createMemories from "./infra/migrations/2026_11_22_0001_create_memories.ts";
import type { MemoryDb } from "./infra/tables.ts";

export function createEmbedder(config: MemoryConfig): EmbeddingProvider {
  if (config.EMBEDDING_PROVIDER === "local")
    return createLocalEmbedder({ dimensions: config.EMBEDDING_DIMENSIONS });
  return createOpenAiEmbedder({
    baseUrl: config.EMBEDDING_BASE_URL,
    model: config.EMBEDDING_MODEL,
    dimensions: config.EMBEDDING_DIMENSIONS,
    apiKey: config.EMBEDDING_API_KEY,
    batchSize: config.EMBEDDING_BATCH_SIZE,
    timeoutMs: config.EMBEDDING_TIMEOUT_MS,
    maxRetries: config.EMBEDDING_MAX_RETRIES,
  });
}

export interface MemoryServiceHooks {
  /** The running embed worker (tests drain it). */
  embedWorker?: EmbedWorker;
}

/** The `memory` service: memories and collections, search, embeddings off the request path, pruning and re-embedding jobs. */
export function memoryService(
  config: MemoryConfig,
  hooks: MemoryServiceHooks = {},
): ServiceDefinition<MemoryDb> {
  return {
    service: "memory",
    stores: memoryStores,
    migrations: {
      "2026_11_21_0001_enable_vector": enableVector,
      "2026_11_22_0001_create_memories": createMemories,
    },
    publishes: MEMORY_EVENTS,
    projections: [memoryReadModel],
    async register({ db, bus, consume, onStop, logger, metrics }) {
      const embedder = createEmbedder(config);
      await ensureEmbeddingIndex(db, embedder.dimensions);
      const stale = await countStaleEmbeddings(db, embedder.model, embedder.dimensions);
      if (stale > 0) {
        logger.warn(
          { stale, model: embedder.model, dimensions: embedder.dimensions },
          "memories embedded with another model or dimension; run the memory.reembed job",
        );
      }
      const policy = {
        workingTtlMs: config.MEMORY_WORKING_TTL_SECONDS * 1_000,
        halfLives: {
          episodic: config.MEMORY_HALF_LIFE_DAYS_EPISODIC,
          semantic: config.MEMORY_HALF_LIFE_DAYS_SEMANTIC,
          procedural: config.MEMORY_HALF_LIFE_DAYS_PROCEDURAL,
        },
        dedupeMaxDistance: config.MEMORY_DEDUPE_MAX_DISTANCE,
        efSearch: config.MEMORY_HNSW_EF_SEARCH,
      };
      const clock = () => new Date();
      const worker = startEmbedWorker(
        { db, embedder, clock, policy, logger },
        { pollMs: config.EMBEDDING_POLL_MS, batchSize: config.EMBEDDING_BATCH_SIZE },
      );
      hooks.embedWorker = worker;
      onStop("embed worker", () => worker.stop());
      embeddingQueueGauges(metrics, { db, logger, clock, model: embedder.model });
      const deps: MemoryDeps = { db, embedder, clock, policy, nudgeEmbedding: () => worker.nudge() };

      bus.serve(memoriesRecord, recordMemory(deps));
      bus.serve(memoriesGet, getMemory(deps));
      bus.serve(memoriesRevise, reviseMemory(deps));
      bus.serve(memoriesForget, forgetMemory(deps));
      bus.serve(memoriesHistory, getMemoryHistory(deps));
      bus.serve(memoriesSearch, searchMemories({ ...deps, logger }));
      bus.serve(collectionsCreate, createCollection(deps));
      bus.serve(collectionsList, listProjectCollections(deps));
      bus.serve(collectionsRename, renameCollection(deps));
      bus.serve(collectionsDelete, deleteCollection(deps));
      const prune = pruneExpired(deps);
      const queueReembed = reembed(deps);
      bus.serve(memoriesPrune, prune);
      bus.serve(embeddingsReembed, queueReembed);

      const jobs = await startJobWorker({
        bus,
        logger,
        jobs: memoryJobs({ prune, reembed: queueReembed }),
      });
      onStop("job worker", () => jobs.stop());
      const schedule = registerPruneSchedule({ bus, logger, cron: config.MEMORY_PRUNE_CRON });
      onStop("prune schedule registration", () => schedule.stop());

      const chunks = await consume({
        name: ON_DOCUMENT_CHUNKS,
        stream: "ingestion",
        filterSubjects: [DOCUMENT_CHUNKS_SUBJECT],
        handler: onDocumentChunks(deps),
      });
      onStop("chunk consumer", () => chunks.stop());
      const erasures = await consume({
        name: ON_USER_ERASED,
        stream: "user",
        filterSubjects: ["evt.user.user.erased"],
        handler: onUserErased({ ...deps, deletePublished: (copies) => bus.deletePublished(copies) }),
      });
      onStop("erasure consumer", () => erasures.stop());
    },
  };
}

export function startMemoryService(
  config: MemoryConfig,
  hooks: MemoryServiceHooks = {},
): Promise<RunningService<MemoryDb>> {
  return startService(memoryService(config, hooks), config);
}
