import { createHash, randomUUID } from "node:crypto";
import {
  ConflictError,
  DOCUMENT_UPLOAD_TYPES,
  type DocumentContentType,
  type documentsCreate,
  type MessageContext,
} from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import {
  DocumentNotFoundError,
  DocumentSourceNotFoundError,
  DocumentTooLargeError,
  DocumentTypeUnsupportedError,
} from "../domain/document-errors.ts";
import { findDocumentIdByExternalId, isExternalIdTaken, saveContent } from "../infra/documents.ts";
import { type DocumentDeps, requireWriter, runDocumentCommand } from "./documents-deps.ts";

type Request = z.output<typeof documentsCreate.request>;
type Response = z.input<typeof documentsCreate.response>;

interface Body {
  contentType: DocumentContentType;
  /** Declared charset of an uploaded text file; JSON posts are UTF-8. */
  charset: string | null;
  bytes: Uint8Array;
}

/** `type/subtype; charset=x` → the lower-case media type and the charset, if any. */
export function parseContentType(header: string): { mediaType: string; charset: string | null } {
  const [type = "", ...parameters] = header.split(";");
  let charset: string | null = null;
  for (const parameter of parameters) {
    const separator = parameter.indexOf("=");
    if (separator === -1 || parameter.slice(0, separator).trim().toLowerCase() !== "charset") continue;
    charset =
      parameter
        .slice(separator + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1") || null;
  }
  return { mediaType: type.trim().toLowerCase(), charset };
}

function isUploadType(mediaType: string): mediaType is (typeof DOCUMENT_UPLOAD_TYPES)[number] {
  return (DOCUMENT_UPLOAD_TYPES as readonly string[]).includes(mediaType);
}

/** The document's bytes and type, from the uploaded file or the JSON post; too large is 413, another type 415. */
function bodyOf(request: Request, maxBytes: number): Body {
  let body: Body;
  if (request.raw !== undefined) {
    const { mediaType, charset } = parseContentType(request.raw.contentType);
    if (!isUploadType(mediaType)) throw new DocumentTypeUnsupportedError(mediaType, DOCUMENT_UPLOAD_TYPES);
    const bytes = new Uint8Array(Buffer.from(request.raw.base64, "base64"));
    body = { contentType: mediaType, charset: mediaType === "application/pdf" ? null : charset, bytes };
  } else {
    // Without a raw body the request schema makes both present.
    body = {
      contentType: request.contentType ?? "text/plain",
      charset: null,
      bytes: new Uint8Array(Buffer.from(request.content ?? "", "utf8")),
    };
  }
  if (body.bytes.byteLength > maxBytes) throw new DocumentTooLargeError(body.bytes.byteLength, maxBytes);
  return body;
}

/** Which document a post is for: the one named, the one with its external id, or a new one. */
async function targetOf(
  deps: DocumentDeps,
  projectId: string,
  request: Request,
): Promise<{ documentId: string; revise: boolean }> {
  if (request.documentId !== undefined) return { documentId: request.documentId, revise: true };
  if (request.externalId !== undefined) {
    const existing = await findDocumentIdByExternalId(
      deps.db,
      projectId,
      request.sourceId ?? null,
      request.externalId,
    );
    if (existing !== undefined) return { documentId: existing, revise: true };
  }
  return { documentId: randomUUID(), revise: false };
}

export class ExternalIdTakenError extends ConflictError {
  override name = "ExternalIdTakenError";
  constructor(options: { cause?: unknown } = {}) {
    super(
      "ingestion.external_id_taken",
      "Another document of this project and source has that externalId.",
      options,
    );
  }
}

/**
 * `svc.ingestion.documents.create`: stores the bytes beside a `received` event and answers at
 * once; the document worker reads and chunks it. A post with the `externalId` (or `documentId`)
 * of a document is a new revision of it. When two first posts of one external id race, the loser
 * becomes a revision of the winner.
 */
export function createDocument(deps: DocumentDeps) {
  return async (request: Request, ctx: MessageContext): Promise<Response> => {
    const projectId = scopedProject(request, ctx);
    requireWriter(ctx);
    const body = bodyOf(request, deps.settings.maxBytes);
    if (request.sourceId !== undefined && !(await deps.sourceExists(deps.db, projectId, request.sourceId))) {
      throw new DocumentSourceNotFoundError(request.sourceId);
    }
    const contentHash = createHash("sha256").update(body.bytes).digest("hex");
    for (let attempt = 1; ; attempt += 1) {
      const target = await targetOf(deps, projectId, request);
      try {
        await deps.db.transaction().execute(async (trx) => {
          const { state } = await runDocumentCommand(
            trx,
            {
              type: "ReceiveDocument",
              data: {
                ...target,
                projectId,
                contentType: body.contentType,
                bytes: body.bytes.byteLength,
                contentHash,
                title: request.title,
                externalId: request.externalId,
                sourceId: request.sourceId,
                collectionId: request.collectionId,
                metadata: request.metadata,
              },
              meta: { now: deps.clock() },
            },
            eventMetadata(ctx, { projectId }),
          );
          // A post always leaves its document `received`, at the revision it made.
          if (state.status !== "received") throw new DocumentNotFoundError(target.documentId);
          await saveContent(trx, {
            documentId: target.documentId,
            projectId,
            revision: state.revision,
            charset: body.charset,
            body: body.bytes,
          });
        });
        deps.nudgeWorker();
        return { id: target.documentId, status: "received" };
      } catch (error) {
        if (!isExternalIdTaken(error)) throw error;
        if (attempt >= 2) throw new ExternalIdTakenError({ cause: error });
      }
    }
  };
}
