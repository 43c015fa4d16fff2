import { z } from "zod";
import { MemoryTierSchema } from "./memory-schemas.ts";
import { defineEvent } from "./messaging.ts";
import { text, timestamp } from "./scalars.ts";

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
  validFrom: timestamp(),
  validTo: timestamp().nullable(),
  expiresAt: timestamp().nullable(),
  recordedAt: timestamp(),
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
    validFrom: timestamp(),
    validTo: timestamp().nullable(),
    expiresAt: timestamp().nullable(),
    revisedAt: timestamp(),
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
    validTo: timestamp(),
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
    lastSeenAt: timestamp(),
    expiresAt: timestamp().nullable(),
  }),
});

export const memoryForgotten = defineEvent({
  type: "memory.memory.forgotten",
  version: 1,
  data: z.object({
    memoryId: z.uuid(),
    projectId: z.uuid(),
    reason: z.enum(["deleted", "expired", "erased", "collection_deleted"]),
    forgottenAt: timestamp(),
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
    model: text(),
    dimensions: z.number().int().positive(),
  }),
});

export const collectionCreated = defineEvent({
  type: "memory.collection.created",
  version: 1,
  data: z.object({
    collectionId: z.uuid(),
    projectId: z.uuid(),
    name: text(),
    description: text().nullable(),
    createdAt: timestamp(),
  }),
});

export const collectionRenamed = defineEvent({
  type: "memory.collection.renamed",
  version: 1,
  data: z.object({
    collectionId: z.uuid(),
    projectId: z.uuid(),
    name: text(),
    renamedAt: timestamp(),
  }),
});

export const collectionDeleted = defineEvent({
  type: "memory.collection.deleted",
  version: 1,
  data: z.object({
    collectionId: z.uuid(),
    projectId: z.uuid(),
    withMemories: z.boolean(),
    deletedAt: timestamp(),
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
