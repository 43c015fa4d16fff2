import { z } from "zod";
import { MemoryContentSchema, MemoryMetadataSchema } from "./memory-schemas.ts";
import { defineEvent } from "./messaging.ts";
import { timestamp } from "./scalars.ts";

/** The ingestion service's document events: chunks on their way into memory. */

/**
 * A chunk of an ingested document, ready to be remembered. The ingestion service publishes it;
 * the memory service consumes it. It becomes a `semantic` memory.
 */
export const ingestionChunkCreated = defineEvent({
  type: "ingestion.chunk.created",
  version: 1,
  data: z.object({
    chunkId: z.uuid(),
    documentId: z.uuid(),
    projectId: z.uuid(),
    sourceId: z.uuid().nullable().optional(),
    /** Position of the chunk in its document, from 0. */
    position: z.number().int().nonnegative(),
    content: MemoryContentSchema,
    metadata: MemoryMetadataSchema.optional(),
    createdAt: timestamp(),
  }),
});
