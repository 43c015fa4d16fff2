import { createHash } from "node:crypto";
import { z } from "zod";
import { PageQuerySchema, pageSchema } from "./pagination.ts";
import { RawBodySchema } from "./routes.ts";
import { jsonObjectOfAtMost, text, timestamp } from "./scalars.ts";

/** Documents and their chunks (the ingestion service): requests, responses, limits. */

/** Types a document may be sent as inside the JSON envelope (`content` is its text). */
export const DOCUMENT_JSON_TYPES = ["text/plain", "text/markdown", "text/html", "application/json"] as const;
/**
 * Types a document may be uploaded as, the file itself as the body. `application/json` is not among
 * them: a JSON body is the envelope, so a JSON document travels inside it.
 */
export const DOCUMENT_UPLOAD_TYPES = ["text/plain", "text/markdown", "text/html", "application/pdf"] as const;
export const DOCUMENT_CONTENT_TYPES = [
  "text/plain",
  "text/markdown",
  "text/html",
  "application/json",
  "application/pdf",
] as const;
export const DocumentContentTypeSchema = z.enum(DOCUMENT_CONTENT_TYPES);
export type DocumentContentType = z.infer<typeof DocumentContentTypeSchema>;

/**
 * Largest document, in bytes: the uploaded file, or the UTF-8 of `content`. The ingestion
 * service's `DOCUMENT_MAX_BYTES` sets the limit it applies. @default 5_242_880 (5 MiB)
 */
export const DOCUMENT_MAX_BYTES = 5_242_880;
/** Body limit of the create route, in bytes: a largest document plus room for its JSON envelope. @default 6_291_456 (6 MiB) */
export const DOCUMENT_BODY_LIMIT = 6_291_456;
/** Size of a document's metadata as UTF-8 JSON, in bytes (it is copied to each chunk's memory). */
export const DOCUMENT_METADATA_MAX_BYTES = 8_192;

/**
 * `received`: stored, not yet chunked. `chunked`: its chunks are on their way into memory.
 * `indexed`: memory has embedded every chunk, so all of it is searchable. `failed`: it could not
 * be read (`error` says why); chunks of an earlier revision stay.
 */
export const DocumentStatusSchema = z
  .enum(["received", "chunked", "indexed", "failed"])
  .meta({ id: "DocumentStatus" });
export type DocumentStatus = z.infer<typeof DocumentStatusSchema>;

const TitleSchema = text().trim().min(1).max(500);
const ExternalIdSchema = text().min(1).max(512);
const DocumentMetadataSchema = jsonObjectOfAtMost(DOCUMENT_METADATA_MAX_BYTES);

export const DocumentSchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid(),
    title: text().nullable(),
    contentType: DocumentContentTypeSchema,
    status: DocumentStatusSchema,
    /** Chunks of the document as it stands (the last revision that could be read). */
    chunks: z.number().int().nonnegative(),
    /** Of those, how many memory has embedded. */
    indexedChunks: z.number().int().nonnegative(),
    /** Why the last revision failed; null unless `status` is `failed`. */
    error: text().nullable(),
    externalId: text().nullable(),
    sourceId: z.uuid().nullable(),
    collectionId: z.uuid().nullable(),
    metadata: z.record(text(), z.unknown()),
    /** Size of the last revision, in bytes. */
    bytes: z.number().int().nonnegative(),
    /** Increases with every post of the document. */
    revision: z.number().int().positive(),
    createdAt: timestamp(),
    updatedAt: timestamp(),
  })
  .meta({ id: "Document" });
export type Document = z.infer<typeof DocumentSchema>;

export const ChunkSchema = z
  .object({
    id: z.uuid(),
    documentId: z.uuid(),
    /** Order in the document, from 0. */
    position: z.number().int().nonnegative(),
    /** Character offsets (UTF-16 code units) into the document's extracted text: `text.slice(start, end)` is the chunk. */
    start: z.number().int().nonnegative(),
    end: z.number().int().positive(),
    /** The headings the chunk sits under, outermost first (a PDF's page is its first). */
    headingPath: z.array(text()),
    /** The memory holding the chunk (derived from the chunk id). */
    memoryId: z.uuid(),
    /** Memory has embedded it: it is searchable. */
    indexed: z.boolean(),
  })
  .meta({ id: "Chunk" });
export type Chunk = z.infer<typeof ChunkSchema>;

// ---------------------------------------------------------------- path parameters

export const DocumentProjectParams = z.strictObject({ projectId: z.uuid() });
export const DocumentParams = z.strictObject({ projectId: z.uuid(), documentId: z.uuid() });

// ---------------------------------------------------------------- requests

/** What a post may say besides the content, in the JSON body or in the query of an upload. */
const DocumentFields = {
  title: TitleSchema.optional(),
  /** The caller's id for the document: a post with one the project (and source) knows is a new revision of it. */
  externalId: ExternalIdSchema.optional(),
  /** A source of the same project the document comes from. */
  sourceId: z.uuid().optional(),
  /** The memory collection its chunks go to; one the project does not have leaves them outside any. */
  collectionId: z.uuid().optional(),
  /** A document of the project this post is a new revision of. */
  documentId: z.uuid().optional(),
};

export const CreateDocumentBody = z.strictObject({
  ...DocumentFields,
  contentType: z.enum(DOCUMENT_JSON_TYPES),
  content: text().min(1).max(DOCUMENT_BODY_LIMIT),
  metadata: DocumentMetadataSchema.optional(),
});

/** The query of an upload (`?title=&externalId=`…); the body is the file. */
export const UploadDocumentQuery = z.strictObject(DocumentFields);

/** The operation's request: the path's project, the query, and either the JSON body or the raw file. */
export const CreateDocumentRequest = z
  .strictObject({
    ...DocumentProjectParams.shape,
    ...DocumentFields,
    contentType: CreateDocumentBody.shape.contentType.optional(),
    content: CreateDocumentBody.shape.content.optional(),
    metadata: DocumentMetadataSchema.optional(),
    raw: RawBodySchema.optional(),
  })
  .superRefine((request, ctx) => {
    if (request.raw !== undefined) return;
    for (const field of ["contentType", "content"] as const) {
      if (request[field] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [field],
          message: "required (or send the file itself as the body)",
        });
      }
    }
  });

export const CreateDocumentResponse = z.object({ id: z.uuid(), status: z.literal("received") });

export const ListDocumentsQuery = PageQuerySchema.extend({
  status: DocumentStatusSchema.optional(),
  sourceId: z.uuid().optional(),
  externalId: ExternalIdSchema.optional(),
});

// ---------------------------------------------------------------- responses

export const DocumentPageSchema = pageSchema(DocumentSchema);
export const ChunkPageSchema = pageSchema(ChunkSchema);

// ---------------------------------------------------------------- ids

/** A name-based (v5-style) UUID: SHA-1 of the name, with the version and variant bits set. */
export function nameBasedUuid(name: string): string {
  const hex = createHash("sha1").update(name).digest("hex");
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** The memory that holds a chunk: the same chunk always maps to the same memory. */
export function memoryIdForChunk(chunkId: string): string {
  return nameBasedUuid(`tessera:ingestion-chunk:${chunkId}`);
}
