import { z } from "zod";
import { MemoryTierSchema } from "./memory-schemas.ts";
import { defineEvent } from "./messaging.ts";

// The memory service's events, and the ingestion event it consumes.
//
// What a memory says (content, metadata, source refs, the vector) is not on the bus: it is personal
// data, sealed in the memory service's store under its owner's key and forgotten with that key
// (decision 0024). Consumers read it with `svc.memory.memories.get`.

const MemoryFactsSchema = z.object({
  memoryId: z.uuid(),
  projectId: z.uuid(),
  collectionId: z.uuid().nullable(),
  ownerId: z.uuid().nullable(),
  tier: MemoryTierSchema,
  importance: z.number(),
  validFrom: z.iso.datetime(),
  validTo: z.iso.datetime().nullable(),
  expiresAt: z.iso.datetime().nullable(),
  recordedAt: z.iso.datetime(),
});

export const memoryRecorded = defineEvent({
  type: "memory.memory.recorded",
  version: 1,
  data: MemoryFactsSchema,
});

export const memoryRevised = defineEvent({
  type: "memory.memory.revised",
  version: 1,
  data: z.object({
    memoryId: z.uuid(),
    projectId: z.uuid(),
    version: z.number().int().positive(),
    tier: MemoryTierSchema,
    importance: z.number(),
    /** The new version's validity starts when the previous one's ends. */
    validFrom: z.iso.datetime(),
    validTo: z.iso.datetime().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    revisedAt: z.iso.datetime(),
  }),
});

export const memorySuperseded = defineEvent({
  type: "memory.memory.superseded",
  version: 1,
  data: z.object({
    memoryId: z.uuid(),
    projectId: z.uuid(),
    supersededBy: z.uuid(),
    reason: z.enum(["replaced", "duplicate"]),
    validTo: z.iso.datetime(),
  }),
});

export const memoryReinforced = defineEvent({
  type: "memory.memory.reinforced",
  version: 1,
  data: z.object({
    memoryId: z.uuid(),
    projectId: z.uuid(),
    importance: z.number(),
    reinforcements: z.number().int().positive(),
    lastSeenAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
  }),
});

export const memoryForgotten = defineEvent({
  type: "memory.memory.forgotten",
  version: 1,
  data: z.object({
    memoryId: z.uuid(),
    projectId: z.uuid(),
    reason: z.enum(["deleted", "expired", "erased", "collection_deleted"]),
    forgottenAt: z.iso.datetime(),
  }),
});

/** Published without the vector itself (it stays in the memory service's store). */
export const memoryEmbedded = defineEvent({
  type: "memory.memory.embedded",
  version: 1,
  data: z.object({
    memoryId: z.uuid(),
    projectId: z.uuid(),
    version: z.number().int().positive(),
    model: z.string(),
    dimensions: z.number().int().positive(),
  }),
});

export const collectionCreated = defineEvent({
  type: "memory.collection.created",
  version: 1,
  data: z.object({
    collectionId: z.uuid(),
    projectId: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    createdAt: z.iso.datetime(),
  }),
});

export const collectionRenamed = defineEvent({
  type: "memory.collection.renamed",
  version: 1,
  data: z.object({
    collectionId: z.uuid(),
    projectId: z.uuid(),
    name: z.string(),
    renamedAt: z.iso.datetime(),
  }),
});

export const collectionDeleted = defineEvent({
  type: "memory.collection.deleted",
  version: 1,
  data: z.object({
    collectionId: z.uuid(),
    projectId: z.uuid(),
    withMemories: z.boolean(),
    deletedAt: z.iso.datetime(),
  }),
});

export const MEMORY_EVENTS = [
  memoryRecorded,
  memoryRevised,
  memorySuperseded,
  memoryReinforced,
  memoryForgotten,
  memoryEmbedded,
  collectionCreated,
  collectionRenamed,
  collectionDeleted,
] as const;
