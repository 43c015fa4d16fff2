import {
  chunksList,
  documentsCreate,
  documentsDelete,
  documentsGet,
  documentsList,
  eventSubject,
  memoryEmbedded,
  sourceDeleted,
} from "@tessera/contracts";
import type { ServiceRuntime } from "@tessera/service-kit";
import type { IngestionConfig } from "../config.ts";
import type { DocumentsDb } from "../infra/documents.tables.ts";
import { type Extractor, startExtractor } from "../infra/extraction/extractor.ts";
import { sourceExistsInProject } from "../infra/source-lookup.ts";
import { createDocument } from "./create-document.ts";
import { deleteDocument } from "./delete-document.ts";
import { type DocumentWorker, startDocumentWorker } from "./document-worker.ts";
import type { DocumentDeps, DocumentSettings } from "./documents-deps.ts";
import { ON_MEMORY_EMBEDDED, onMemoryEmbedded } from "./on-memory-embedded.ts";
import { ON_SOURCE_DELETED, onSourceDeleted } from "./on-source-deleted.ts";
import { processDocument } from "./process-document.ts";
import { getDocument, listDocumentChunks, listProjectDocuments } from "./read-documents.ts";

export function documentSettings(config: IngestionConfig): DocumentSettings {
  return {
    maxBytes: config.DOCUMENT_MAX_BYTES,
    chunking: { size: config.DOCUMENT_CHUNK_SIZE, overlap: config.DOCUMENT_CHUNK_OVERLAP },
    // Longer than any read (which times out), so a live worker's claim never runs out under it.
    leaseMs: config.DOCUMENT_PARSE_TIMEOUT_MS + 120_000,
    pollMs: config.DOCUMENT_WORKER_POLL_MS,
    maxAttempts: 5,
  };
}

export interface DocumentHooks {
  /** The running document worker (tests drain it). */
  worker?: DocumentWorker;
  extractor?: Extractor;
}

/** Documents and chunks: their operations, the worker that chunks and purges, and the consumers. */
export async function registerDocuments(
  runtime: ServiceRuntime,
  config: IngestionConfig,
  hooks: DocumentHooks = {},
): Promise<void> {
  const { bus, logger } = runtime;
  const db = runtime.db.withTables<DocumentsDb>();
  const settings = documentSettings(config);
  const clock = () => new Date();
  const base = { db, clock, settings, sourceExists: sourceExistsInProject };
  const extractor = startExtractor({ timeoutMs: config.DOCUMENT_PARSE_TIMEOUT_MS });
  const worker = startDocumentWorker({ ...base, logger }, (work) => processDocument(deps, extractor)(work));
  const deps: DocumentDeps = { ...base, nudgeWorker: () => worker.nudge() };
  hooks.worker = worker;
  hooks.extractor = extractor;
  // Stops run newest first: the extractor gives up its document, then the worker ends its pass.
  runtime.onStop("document worker", () => worker.stop());
  runtime.onStop("document extractor", () => extractor.stop());

  bus.serve(documentsCreate, createDocument(deps));
  bus.serve(documentsGet, getDocument(deps));
  bus.serve(documentsList, listProjectDocuments(deps));
  bus.serve(documentsDelete, deleteDocument(deps));
  bus.serve(chunksList, listDocumentChunks(deps));

  // Memory may start after ingestion: its stream is awaited in the background.
  runtime.consumeInBackground({
    name: ON_MEMORY_EMBEDDED,
    stream: "memory",
    filterSubjects: [eventSubject(memoryEmbedded.type)],
    handler: onMemoryEmbedded(deps),
  });
  const sources = await runtime.consume({
    name: ON_SOURCE_DELETED,
    stream: "ingestion",
    filterSubjects: [eventSubject(sourceDeleted.type)],
    handler: onSourceDeleted(deps),
  });
  runtime.onStop("source deletion consumer", () => sources.stop());
}
