import { z } from "zod";
import { pageSchema } from "./pagination.ts";
import { jsonObjectOfAtMost, text, timestamp } from "./scalars.ts";

/** The memory model, its requests and responses. */

/** Memory tiers: `working` expires after a TTL; the others decay in ranking by age and access. */
export const MEMORY_TIERS = ["working", "episodic", "semantic", "procedural"] as const;
export const MemoryTierSchema = z.enum(MEMORY_TIERS).meta({ id: "MemoryTier" });
export type MemoryTier = z.infer<typeof MemoryTierSchema>;

/** Content length in characters. */
export const MEMORY_CONTENT_MAX = 32_000;
/** Metadata size as UTF-8 JSON, in bytes. */
export const MEMORY_METADATA_MAX_BYTES = 16_384;
/** Largest page of search results. */
export const MEMORY_SEARCH_LIMIT_MAX = 100;

export const MemoryContentSchema = text()
  .min(1)
  .max(MEMORY_CONTENT_MAX)
  .refine((value) => value.trim().length > 0, "must not be blank");

export const MemoryMetadataSchema = jsonObjectOfAtMost(MEMORY_METADATA_MAX_BYTES);
export const ImportanceSchema = z.number().min(0).max(1);

/** Evidence behind a memory: an ingestion chunk, a document, a message, a URL or an outside id. */
export const SourceRefSchema = z
  .strictObject({
    kind: z.enum(["ingestion_chunk", "document", "message", "url", "external"]),
    id: text().min(1).max(2_048),
  })
  .meta({ id: "SourceRef" });
export type SourceRef = z.infer<typeof SourceRefSchema>;
export const SourceRefsSchema = z.array(SourceRefSchema).max(32);

export const EmbeddingStatusSchema = z.enum(["pending", "ready"]);

export const MemorySchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid(),
    collectionId: z.uuid().nullable(),
    /** The user who recorded it; null for memories the platform derived (ingested chunks). */
    ownerId: z.uuid().nullable(),
    tier: MemoryTierSchema,
    content: text(),
    metadata: z.record(text(), z.unknown()),
    importance: z.number(),
    sourceRefs: z.array(SourceRefSchema),
    /** Increases with every revision; the history lists each version. */
    version: z.number().int().positive(),
    validFrom: timestamp(),
    validTo: timestamp().nullable(),
    /** When a `working` memory expires; null for the other tiers. */
    expiresAt: timestamp().nullable(),
    /** The memory that replaced this one (a newer fact or a near-duplicate). */
    supersededBy: z.uuid().nullable(),
    reinforcements: z.number().int().nonnegative(),
    embedding: EmbeddingStatusSchema,
    createdAt: timestamp(),
    updatedAt: timestamp(),
    lastSeenAt: timestamp(),
  })
  .meta({ id: "Memory" });
export type Memory = z.infer<typeof MemorySchema>;

export const MemoryVersionSchema = z
  .object({
    version: z.number().int().positive(),
    content: text(),
    tier: MemoryTierSchema,
    metadata: z.record(text(), z.unknown()),
    importance: z.number(),
    validFrom: timestamp(),
    validTo: timestamp().nullable(),
    recordedAt: timestamp(),
  })
  .meta({ id: "MemoryVersion" });
export type MemoryVersion = z.infer<typeof MemoryVersionSchema>;

export const CollectionSchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid(),
    name: text(),
    description: text().nullable(),
    createdAt: timestamp(),
    updatedAt: timestamp(),
  })
  .meta({ id: "Collection" });
export type Collection = z.infer<typeof CollectionSchema>;

const CollectionNameSchema = text().trim().min(1).max(200);

// ---------------------------------------------------------------- path parameters

export const ProjectParams = z.strictObject({ projectId: z.uuid() });
export const MemoryParams = z.strictObject({ projectId: z.uuid(), memoryId: z.uuid() });
export const CollectionParams = z.strictObject({ projectId: z.uuid(), collectionId: z.uuid() });

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
  validFrom: timestamp().optional(),
  validTo: timestamp().nullable().default(null),
  /** An older memory this one replaces: it is marked superseded (its history is kept). */
  supersedes: z.uuid().optional(),
});

const ReviseMemoryFields = {
  content: MemoryContentSchema.optional(),
  tier: MemoryTierSchema.optional(),
  metadata: MemoryMetadataSchema.optional(),
  importance: ImportanceSchema.optional(),
  validTo: timestamp().nullable().optional(),
};
const REVISABLE = Object.keys(ReviseMemoryFields);
const changesSomething = (body: Record<string, unknown>): boolean =>
  REVISABLE.some((key) => body[key] !== undefined);

export const ReviseMemoryBody = z
  .strictObject(ReviseMemoryFields)
  .refine(changesSomething, "at least one field must change");

/** The operation's request: the body with the path's project and memory. */
export const ReviseMemoryRequest = z
  .strictObject({ ...ReviseMemoryFields, ...MemoryParams.shape })
  .refine(changesSomething, "at least one field must change");

export const SearchMode = z.enum(["vector", "keyword", "hybrid"]);

export const SearchMemoriesBody = z.strictObject({
  query: text().trim().min(1).max(4_000),
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
  createdAfter: timestamp().optional(),
  /** Memories created before this time. */
  createdBefore: timestamp().optional(),
  /** Memories valid at this time (superseded ones are not). @default now */
  validAt: timestamp().optional(),
});

export const CreateCollectionBody = z.strictObject({
  name: CollectionNameSchema,
  description: text().max(2_000).nullable().default(null),
});

export const RenameCollectionBody = z.strictObject({ name: CollectionNameSchema });

export const DeleteCollectionQuery = z.strictObject({
  /** `true`: forget the collection's memories too; otherwise they stay, outside any collection. */
  withMemories: z.enum(["true", "false"]).default("false"),
});

// ---------------------------------------------------------------- responses

export const RecordMemoryResponse = MemorySchema.extend({
  /** `reinforced`: a near-duplicate existed; that memory was reinforced instead of adding a copy. */
  result: z.enum(["created", "reinforced"]),
});

export const SearchMemoriesResponse = z.object({
  items: z.array(z.object({ memory: MemorySchema, score: z.number() })),
});

export const MemoryHistoryResponse = pageSchema(MemoryVersionSchema);

export const CollectionListResponse = pageSchema(CollectionSchema);

export const PruneRequest = z.strictObject({
  projectId: z.uuid().optional(),
  dryRun: z.boolean().optional(),
});
export const PruneResponse = z.object({ forgotten: z.number().int().nonnegative() });
export const ReembedRequest = z.strictObject({
  projectId: z.uuid().optional(),
  all: z.boolean().default(false),
});
export const ReembedResponse = z.object({ queued: z.number().int().nonnegative() });
