import { z } from "zod";
import { defineJobType } from "./jobs-schemas.ts";
import {
  CollectionListResponse,
  CollectionParams,
  CollectionSchema,
  CreateCollectionBody,
  DeleteCollectionQuery,
  MemoryHistoryResponse,
  MemoryParams,
  MemorySchema,
  ProjectParams,
  PruneRequest,
  PruneResponse,
  RecordMemoryBody,
  RecordMemoryResponse,
  ReembedRequest,
  ReembedResponse,
  RenameCollectionBody,
  ReviseMemoryRequest,
  SearchMemoriesBody,
  SearchMemoriesResponse,
} from "./memory-schemas.ts";
import { defineOperation } from "./messaging.ts";
import { PageQuerySchema } from "./pagination.ts";

/** The `svc.memory.*` operations, and the memory service's job types. */

export const memoriesRecord = defineOperation({
  service: "memory",
  name: "memories.record",
  request: RecordMemoryBody.extend(ProjectParams.shape),
  response: RecordMemoryResponse,
});

export const memoriesGet = defineOperation({
  service: "memory",
  name: "memories.get",
  request: MemoryParams,
  response: MemorySchema,
});

export const memoriesRevise = defineOperation({
  service: "memory",
  name: "memories.revise",
  request: ReviseMemoryRequest,
  response: MemorySchema,
});

export const memoriesForget = defineOperation({
  service: "memory",
  name: "memories.forget",
  request: MemoryParams,
  response: z.null(),
});

export const memoriesHistory = defineOperation({
  service: "memory",
  name: "memories.history",
  request: PageQuerySchema.extend(MemoryParams.shape),
  response: MemoryHistoryResponse,
});

export const memoriesSearch = defineOperation({
  service: "memory",
  name: "memories.search",
  request: SearchMemoriesBody.extend(ProjectParams.shape),
  response: SearchMemoriesResponse,
});

export const collectionsCreate = defineOperation({
  service: "memory",
  name: "collections.create",
  request: CreateCollectionBody.extend(ProjectParams.shape),
  response: CollectionSchema,
});

export const collectionsList = defineOperation({
  service: "memory",
  name: "collections.list",
  request: PageQuerySchema.extend(ProjectParams.shape),
  response: CollectionListResponse,
});

export const collectionsRename = defineOperation({
  service: "memory",
  name: "collections.rename",
  request: RenameCollectionBody.extend(CollectionParams.shape),
  response: CollectionSchema,
});

export const collectionsDelete = defineOperation({
  service: "memory",
  name: "collections.delete",
  request: DeleteCollectionQuery.extend(CollectionParams.shape),
  response: z.null(),
});

/** Platform-internal: removes expired `working` memories now (what the `memory.prune` job runs). */
export const memoriesPrune = defineOperation({
  service: "memory",
  name: "memories.prune",
  request: PruneRequest,
  response: PruneResponse,
});

/**
 * Platform-internal: queue memories for embedding again after the model or dimension changed
 * (`all: false`, the default, only those embedded with another model or dimension, or never).
 */
export const embeddingsReembed = defineOperation({
  service: "memory",
  name: "embeddings.reembed",
  request: ReembedRequest,
  response: ReembedResponse,
});

// ---------------------------------------------------------------- job types

/** The memory service prunes memories past their tier's lifetime. */
export const memoryPruneJob = defineJobType({
  name: "memory.prune",
  service: "memory",
  description: "Prunes memories past their tier's lifetime, per project or everywhere.",
  payload: z.strictObject({ projectId: z.uuid().optional(), dryRun: z.boolean().optional() }),
  timeoutMs: 600_000,
  retry: { maxAttempts: 3 },
});

/** The memory service queues memories for embedding again after the model or dimension changed. */
export const memoryReembedJob = defineJobType({
  name: "memory.reembed",
  service: "memory",
  description: "Queues memories without a vector from the configured model (or all) for the embed worker.",
  payload: z.strictObject({ projectId: z.uuid().optional(), all: z.boolean().optional() }),
  timeoutMs: 600_000,
  retry: { maxAttempts: 3 },
});
