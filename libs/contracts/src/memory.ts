import { z } from "zod";
import { CollectionParams, MemoryParams, ProjectParams } from "./memory-params.ts";
import { defineOperation } from "./messaging.ts";

/** The memory model, requests, responses and operations; events in memory-events.ts, routes in memory-routes.ts. */

/** Memory tiers: `working` expires after a TTL; the others decay in ranking by age and access. */
export const MEMORY_TIERS = ["working", "episodic", "semantic", "procedural"] as const;
export const MemoryTierSchema = z.enum(MEMORY_TIERS);
export type MemoryTier = z.infer<typeof MemoryTierSchema>;

/** Content length in characters. */
export const MEMORY_CONTENT_MAX = 32_000;
/** Metadata size as UTF-8 JSON, in bytes. */
export const MEMORY_METADATA_MAX_BYTES = 16_384;
/** Largest page of search results. */
export const MEMORY_SEARCH_LIMIT_MAX = 100;

export const MemoryContentSchema = z
  .string()
  .min(1)
  .max(MEMORY_CONTENT_MAX)
  .refine((value) => value.trim().length > 0, "must not be blank");

function jsonObjectOfAtMost(maxBytes: number) {
  return z
    .record(z.string().max(256), z.json())
    .refine(
      (value) => Buffer.byteLength(JSON.stringify(value), "utf8") <= maxBytes,
      `must be at most ${maxBytes} bytes as JSON`,
    );
}

export const MemoryMetadataSchema = jsonObjectOfAtMost(MEMORY_METADATA_MAX_BYTES);
export const ImportanceSchema = z.number().min(0).max(1);

/** Evidence behind a memory: an ingestion chunk, a document, a message, a URL or an outside id. */
export const SourceRefSchema = z.strictObject({
  kind: z.enum(["ingestion_chunk", "document", "message", "url", "external"]),
  id: z.string().min(1).max(2_048),
});
export type SourceRef = z.infer<typeof SourceRefSchema>;
export const SourceRefsSchema = z.array(SourceRefSchema).max(32);

export const EmbeddingStatusSchema = z.enum(["pending", "ready"]);

export const MemorySchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  collectionId: z.uuid().nullable(),
  /** The user who recorded it; null for memories the platform derived (ingested chunks). */
  ownerId: z.uuid().nullable(),
  tier: MemoryTierSchema,
  content: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  importance: z.number(),
  sourceRefs: z.array(SourceRefSchema),
  /** Increases with every revision; the history lists each version. */
  version: z.number().int().positive(),
  validFrom: z.iso.datetime(),
  validTo: z.iso.datetime().nullable(),
  /** When a `working` memory expires; null for the other tiers. */
  expiresAt: z.iso.datetime().nullable(),
  /** The memory that replaced this one (a newer fact or a near-duplicate). */
  supersededBy: z.uuid().nullable(),
  reinforcements: z.number().int().nonnegative(),
  embedding: EmbeddingStatusSchema,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
});
export type Memory = z.infer<typeof MemorySchema>;

export const MemoryVersionSchema = z.object({
  version: z.number().int().positive(),
  content: z.string(),
  tier: MemoryTierSchema,
  metadata: z.record(z.string(), z.unknown()),
  importance: z.number(),
  validFrom: z.iso.datetime(),
  validTo: z.iso.datetime().nullable(),
  recordedAt: z.iso.datetime(),
});
export type MemoryVersion = z.infer<typeof MemoryVersionSchema>;

export const CollectionSchema = z.object({
  id: z.uuid(),
  projectId: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Collection = z.infer<typeof CollectionSchema>;

const CollectionNameSchema = z.string().trim().min(1).max(200);
const CursorSchema = z.string().min(1).max(512);
/** Page size of lists. @default 50, at most 200 */
const ListLimitSchema = z.coerce.number().int().min(1).max(200).default(50);

// ---------------------------------------------------------------- requests

export const RecordMemoryBody = z.strictObject({
  content: MemoryContentSchema,
  /** @default "semantic" */
  tier: MemoryTierSchema.default("semantic"),
  collectionId: z.uuid().nullable().default(null),
  metadata: MemoryMetadataSchema.default({}),
  /** @default 0.5 */
  importance: ImportanceSchema.default(0.5),
  sourceRefs: SourceRefsSchema.default([]),
  validFrom: z.iso.datetime({ offset: true }).optional(),
  validTo: z.iso.datetime({ offset: true }).nullable().default(null),
  /** An older memory this one replaces: it is marked superseded (its history is kept). */
  supersedes: z.uuid().optional(),
});

const ReviseMemoryFields = {
  content: MemoryContentSchema.optional(),
  tier: MemoryTierSchema.optional(),
  metadata: MemoryMetadataSchema.optional(),
  importance: ImportanceSchema.optional(),
  validTo: z.iso.datetime({ offset: true }).nullable().optional(),
};
const REVISABLE = Object.keys(ReviseMemoryFields);
const changesSomething = (body: Record<string, unknown>): boolean =>
  REVISABLE.some((key) => body[key] !== undefined);

export const ReviseMemoryBody = z
  .strictObject(ReviseMemoryFields)
  .refine(changesSomething, "at least one field must change");

export const SearchMode = z.enum(["vector", "keyword", "hybrid"]);

export const SearchMemoriesBody = z.strictObject({
  query: z.string().trim().min(1).max(4_000),
  /** @default "hybrid" */
  mode: SearchMode.default("hybrid"),
  /** @default 10, at most 100 */
  limit: z.number().int().min(1).max(MEMORY_SEARCH_LIMIT_MAX).default(10),
  tiers: z.array(MemoryTierSchema).min(1).max(4).optional(),
  collectionId: z.uuid().optional(),
  ownerId: z.uuid().optional(),
  /** Memories whose metadata contains this object (JSON containment). */
  metadata: jsonObjectOfAtMost(4_096).optional(),
  /** Memories created at or after this time. */
  createdAfter: z.iso.datetime({ offset: true }).optional(),
  /** Memories created before this time. */
  createdBefore: z.iso.datetime({ offset: true }).optional(),
  /** Memories valid at this time (superseded ones are not). @default now */
  validAt: z.iso.datetime({ offset: true }).optional(),
});

export const CreateCollectionBody = z.strictObject({
  name: CollectionNameSchema,
  description: z.string().max(2_000).nullable().default(null),
});

export const RenameCollectionBody = z.strictObject({ name: CollectionNameSchema });

export const DeleteCollectionQuery = z.strictObject({
  /** `true`: forget the collection's memories too; otherwise they stay, outside any collection. */
  withMemories: z.enum(["true", "false"]).default("false"),
});

export const ListQuery = z.strictObject({ limit: ListLimitSchema, cursor: CursorSchema.optional() });

// ---------------------------------------------------------------- responses

export const RecordMemoryResponse = MemorySchema.extend({
  /** `reinforced`: a near-duplicate existed; that memory was reinforced instead of adding a copy. */
  result: z.enum(["created", "reinforced"]),
});

export const SearchMemoriesResponse = z.object({
  items: z.array(z.object({ memory: MemorySchema, score: z.number() })),
});

export const MemoryHistoryResponse = z.object({
  items: z.array(MemoryVersionSchema),
  nextCursor: z.string().nullable(),
});

export const CollectionListResponse = z.object({
  items: z.array(CollectionSchema),
  nextCursor: z.string().nullable(),
});

// ---------------------------------------------------------------- operations

export const memoryRecord = defineOperation({
  service: "memory",
  name: "memories.record",
  request: RecordMemoryBody.extend(ProjectParams.shape),
  response: RecordMemoryResponse,
});

export const memoryGet = defineOperation({
  service: "memory",
  name: "memories.get",
  request: MemoryParams,
  response: MemorySchema,
});

export const memoryRevise = defineOperation({
  service: "memory",
  name: "memories.revise",
  request: z
    .strictObject({ ...ReviseMemoryFields, ...MemoryParams.shape })
    .refine(changesSomething, "at least one field must change"),
  response: MemorySchema,
});

export const memoryForget = defineOperation({
  service: "memory",
  name: "memories.forget",
  request: MemoryParams,
  response: z.null(),
});

export const memoryHistory = defineOperation({
  service: "memory",
  name: "memories.history",
  request: ListQuery.extend(MemoryParams.shape),
  response: MemoryHistoryResponse,
});

export const memorySearch = defineOperation({
  service: "memory",
  name: "memories.search",
  request: SearchMemoriesBody.extend(ProjectParams.shape),
  response: SearchMemoriesResponse,
});

export const collectionCreate = defineOperation({
  service: "memory",
  name: "collections.create",
  request: CreateCollectionBody.extend(ProjectParams.shape),
  response: CollectionSchema,
});

export const collectionList = defineOperation({
  service: "memory",
  name: "collections.list",
  request: ListQuery.extend(ProjectParams.shape),
  response: CollectionListResponse,
});

export const collectionRename = defineOperation({
  service: "memory",
  name: "collections.rename",
  request: RenameCollectionBody.extend(CollectionParams.shape),
  response: CollectionSchema,
});

export const collectionDelete = defineOperation({
  service: "memory",
  name: "collections.delete",
  request: DeleteCollectionQuery.extend(CollectionParams.shape),
  response: z.null(),
});

/** Platform-internal: removes expired `working` memories now (what the `memory.prune` job runs). */
export const memoryPrune = defineOperation({
  service: "memory",
  name: "memories.prune",
  request: z.strictObject({ projectId: z.uuid().optional(), dryRun: z.boolean().optional() }),
  response: z.object({ forgotten: z.number().int().nonnegative() }),
});

/**
 * Platform-internal: queue memories for embedding again after the model or dimension changed
 * (`all: false`, the default, only those embedded with another model or dimension, or never).
 */
export const memoryReembed = defineOperation({
  service: "memory",
  name: "embeddings.reembed",
  request: z.strictObject({ projectId: z.uuid().optional(), all: z.boolean().default(false) }),
  response: z.object({ queued: z.number().int().nonnegative() }),
});
