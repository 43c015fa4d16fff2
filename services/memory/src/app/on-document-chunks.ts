import {
  type EventEnvelope,
  ingestionChunkCreated,
  ingestionChunkRemoved,
  type MessageContext,
} from "@tessera/contracts";
import type { MemoryDeps } from "./deps.ts";
import { onChunkCreated } from "./on-chunk-created.ts";
import { onChunkRemoved } from "./on-chunk-removed.ts";

/** The durable consumer of ingestion's chunk events (`evt.ingestion.chunk.>`). */
export const ON_DOCUMENT_CHUNKS = "on-document-chunks";
export const DOCUMENT_CHUNKS_SUBJECT = "evt.ingestion.chunk.>";

/**
 * A chunk's creation and removal through one consumer, one at a time, so they are applied in the
 * order ingestion published them; a removal that still overtakes (after a retry) waits for its
 * memory. Other chunk events are not memory's business.
 */
export function onDocumentChunks(deps: MemoryDeps) {
  const created = onChunkCreated(deps);
  const removed = onChunkRemoved(deps);
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    if (envelope.type === ingestionChunkCreated.type) return created(envelope, ctx);
    if (envelope.type === ingestionChunkRemoved.type) return removed(envelope, ctx);
  };
}
