import type { EventMetadata } from "@tessera/contracts";
import type { NewEvent } from "@tessera/eventstore";
import type { Transaction } from "kysely";
import type { PlannedChunk, StoredChunk } from "../domain/chunk-plan.ts";
import type { DocumentsDb } from "../infra/documents.tables.ts";
import { ingestionStores } from "../infra/event-store.ts";

/** A document's chunk events have a stream of their own, so the document's stream stays short to load. */
export function chunkStreamId(documentId: string): string {
  return `document-chunks-${documentId}`;
}

/** Events per insert: one statement stays small however many chunks a document has. */
const EVENTS_PER_APPEND = 500;

export interface ChunkEventsOf {
  documentId: string;
  projectId: string;
  sourceId: string | null;
  collectionId: string | null;
  /** The document's metadata, copied to each chunk's memory beside its heading path. */
  metadata: Record<string, unknown>;
  text: string;
  now: string;
}

/**
 * One `chunk.removed` per vanished chunk, then one `chunk.created` per new one (with its content,
 * at most memory's content limit, so each event stays far below the bus's message limit).
 */
export async function appendChunkEvents(
  trx: Transaction<DocumentsDb>,
  of: ChunkEventsOf,
  changes: {
    created: readonly PlannedChunk[];
    removed: readonly StoredChunk[];
    reason: "replaced" | "document_deleted";
  },
  metadata: EventMetadata,
): Promise<void> {
  const { documentId, projectId } = of;
  const events: NewEvent[] = [
    ...changes.removed.map((chunk) => ({
      type: "ingestion.chunk.removed",
      data: { chunkId: chunk.id, documentId, projectId, reason: changes.reason, removedAt: of.now },
    })),
    ...changes.created.map((chunk) => ({
      type: "ingestion.chunk.created",
      data: {
        chunkId: chunk.id,
        documentId,
        projectId,
        sourceId: of.sourceId,
        collectionId: of.collectionId,
        position: chunk.position,
        content: of.text.slice(chunk.start, chunk.end),
        metadata: { ...of.metadata, headingPath: chunk.headingPath },
        createdAt: of.now,
      },
    })),
  ];
  const store = ingestionStores.on(trx);
  for (let index = 0; index < events.length; index += EVENTS_PER_APPEND) {
    await store.append(chunkStreamId(documentId), events.slice(index, index + EVENTS_PER_APPEND), {
      expectedVersion: "any",
      metadata,
    });
  }
}
