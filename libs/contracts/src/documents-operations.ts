import { z } from "zod";
import {
  ChunkPageSchema,
  CreateDocumentRequest,
  CreateDocumentResponse,
  DocumentPageSchema,
  DocumentParams,
  DocumentProjectParams,
  DocumentSchema,
  ListDocumentsQuery,
} from "./documents-schemas.ts";
import { defineOperation } from "./messaging.ts";
import { PageQuerySchema } from "./pagination.ts";

/** The ingestion service's document operations (`svc.ingestion.documents.*`, `svc.ingestion.chunks.*`). */

/** Stores a document (or a new revision of one) and answers at once; chunking and indexing follow. */
export const documentsCreate = defineOperation({
  service: "ingestion",
  name: "documents.create",
  request: CreateDocumentRequest,
  response: CreateDocumentResponse,
});

export const documentsGet = defineOperation({
  service: "ingestion",
  name: "documents.get",
  request: DocumentParams,
  response: DocumentSchema,
});

export const documentsList = defineOperation({
  service: "ingestion",
  name: "documents.list",
  request: ListDocumentsQuery.extend(DocumentProjectParams.shape),
  response: DocumentPageSchema,
});

/** The document leaves at once; its chunks leave memory soon after. */
export const documentsDelete = defineOperation({
  service: "ingestion",
  name: "documents.delete",
  request: DocumentParams,
  response: z.null(),
});

/** A document's chunks in order, with their offsets, heading paths and memories. */
export const chunksList = defineOperation({
  service: "ingestion",
  name: "chunks.list",
  request: PageQuerySchema.extend(DocumentParams.shape),
  response: ChunkPageSchema,
});
