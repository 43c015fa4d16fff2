import { z } from "zod";
import { DocumentContentTypeSchema } from "./documents-schemas.ts";
import { MemoryContentSchema, MemoryMetadataSchema } from "./memory-schemas.ts";
import { defineEvent } from "./messaging.ts";
import { text, timestamp } from "./scalars.ts";

/** The ingestion service's document events: documents through their states, chunks on their way into memory. */

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
    /** The memory collection the document's chunks go to; memory ignores one it does not have. */
    collectionId: z.uuid().nullable().optional(),
    /** Position of the chunk in its document, from 0. */
    position: z.number().int().nonnegative(),
    content: MemoryContentSchema,
    metadata: MemoryMetadataSchema.optional(),
    createdAt: timestamp(),
  }),
});

/**
 * A chunk left its document (a new revision no longer has it, or the document was deleted). Memory
 * forgets the chunk's memory.
 */
export const ingestionChunkRemoved = defineEvent({
  type: "ingestion.chunk.removed",
  version: 1,
  data: z.object({
    chunkId: z.uuid(),
    documentId: z.uuid(),
    projectId: z.uuid(),
    reason: z.enum(["replaced", "document_deleted"]),
    removedAt: timestamp(),
  }),
});

/** A document (or a new revision of it) was stored; chunking follows. */
export const ingestionDocumentReceived = defineEvent({
  type: "ingestion.document.received",
  version: 1,
  data: z.object({
    documentId: z.uuid(),
    projectId: z.uuid(),
    revision: z.number().int().positive(),
    title: text().nullable(),
    contentType: DocumentContentTypeSchema,
    externalId: text().nullable(),
    sourceId: z.uuid().nullable(),
    collectionId: z.uuid().nullable(),
    metadata: z.record(text(), z.unknown()),
    bytes: z.number().int().nonnegative(),
    /** SHA-256 of the bytes received, hex. */
    contentHash: text(),
    receivedAt: timestamp(),
  }),
});

/** A revision was read and split: its chunks are the ones counted; `created` and `removed` went to memory. */
export const ingestionDocumentChunked = defineEvent({
  type: "ingestion.document.chunked",
  version: 1,
  data: z.object({
    documentId: z.uuid(),
    projectId: z.uuid(),
    revision: z.number().int().positive(),
    chunks: z.number().int().nonnegative(),
    created: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    /** Length of the extracted text, in UTF-16 code units (what chunk offsets count). */
    textLength: z.number().int().nonnegative(),
    chunkedAt: timestamp(),
  }),
});

/** Memory has embedded every chunk of the revision: all of it is searchable. */
export const ingestionDocumentIndexed = defineEvent({
  type: "ingestion.document.indexed",
  version: 1,
  data: z.object({
    documentId: z.uuid(),
    projectId: z.uuid(),
    revision: z.number().int().positive(),
    indexedAt: timestamp(),
  }),
});

/** A revision could not be read; the chunks of an earlier revision, if any, stay. */
export const ingestionDocumentFailed = defineEvent({
  type: "ingestion.document.failed",
  version: 1,
  data: z.object({
    documentId: z.uuid(),
    projectId: z.uuid(),
    revision: z.number().int().positive(),
    reason: text(),
    failedAt: timestamp(),
  }),
});

/** The document was deleted (by a member, or with its source); its chunks leave memory. */
export const ingestionDocumentDeleted = defineEvent({
  type: "ingestion.document.deleted",
  version: 1,
  data: z.object({
    documentId: z.uuid(),
    projectId: z.uuid(),
    reason: z.enum(["deleted", "source_deleted"]),
    deletedAt: timestamp(),
  }),
});

export const DOCUMENT_EVENTS = [
  ingestionDocumentReceived,
  ingestionDocumentChunked,
  ingestionDocumentIndexed,
  ingestionDocumentFailed,
  ingestionDocumentDeleted,
  ingestionChunkCreated,
  ingestionChunkRemoved,
] as const;
