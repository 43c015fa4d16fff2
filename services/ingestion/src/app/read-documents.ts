import {
  CreatedCursorSchema,
  type chunksList,
  createdCursorOf,
  decodeCursor,
  type documentsGet,
  type documentsList,
  type MessageContext,
  pageOf,
} from "@tessera/contracts";
import { scopedProject } from "@tessera/service-kit";
import { z } from "zod";
import { DocumentNotFoundError } from "../domain/document-errors.ts";
import { listChunks } from "../infra/chunks.ts";
import { findDocument, listDocuments } from "../infra/documents.ts";
import type { DocumentDeps } from "./documents-deps.ts";

/** `svc.ingestion.documents.get` */
export function getDocument(deps: Pick<DocumentDeps, "db">) {
  return async (
    request: z.output<typeof documentsGet.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof documentsGet.response>> => {
    const projectId = scopedProject(request, ctx);
    const document = await findDocument(deps.db, projectId, request.documentId);
    if (!document) throw new DocumentNotFoundError(request.documentId);
    return document;
  };
}

/** `svc.ingestion.documents.list`: newest first, keyset-paged, filtered by status, source or external id. */
export function listProjectDocuments(deps: Pick<DocumentDeps, "db">) {
  return async (
    request: z.output<typeof documentsList.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof documentsList.response>> => {
    const projectId = scopedProject(request, ctx);
    const rows = await listDocuments(deps.db, projectId, {
      after: decodeCursor(CreatedCursorSchema, request.cursor),
      limit: request.limit + 1,
      filter: { status: request.status, sourceId: request.sourceId, externalId: request.externalId },
    });
    return pageOf(rows, request.limit, (row) => row, createdCursorOf);
  };
}

const ChunkCursor = z.object({ position: z.number().int().nonnegative() });

/** `svc.ingestion.chunks.list`: a document's chunks in order. */
export function listDocumentChunks(deps: Pick<DocumentDeps, "db">) {
  return async (
    request: z.output<typeof chunksList.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof chunksList.response>> => {
    const projectId = scopedProject(request, ctx);
    if (!(await findDocument(deps.db, projectId, request.documentId))) {
      throw new DocumentNotFoundError(request.documentId);
    }
    const rows = await listChunks(deps.db, projectId, request.documentId, {
      afterPosition: decodeCursor(ChunkCursor, request.cursor)?.position,
      limit: request.limit + 1,
    });
    return pageOf(
      rows,
      request.limit,
      (row) => row,
      (row) => ({ position: row.position }),
    );
  };
}
