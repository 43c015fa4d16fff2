import { type EventEnvelope, type MessageContext, memoryEmbedded } from "@tessera/contracts";
import { handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { chunkOfMemory, countUnembedded, markChunkEmbedded } from "../infra/chunks.ts";
import { lockDocument } from "../infra/documents.ts";
import { INGESTION_SCHEMA } from "../infra/event-store.ts";
import { type DocumentDeps, runDocumentCommand } from "./documents-deps.ts";

export const ON_MEMORY_EMBEDDED = "on-memory-embedded";

/**
 * `evt.memory.memory.embedded` for a chunk's memory: the chunk is searchable. Once every chunk of
 * a `chunked` revision is, the document is `indexed`. The document's row is locked first, as the
 * chunking transaction does, so the last embedding and the end of chunking cannot both miss it.
 * Memories that are no chunk's are skipped without a trace.
 */
export function onMemoryEmbedded(deps: Pick<DocumentDeps, "db" | "clock">) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const { memoryId } = memoryEmbedded.data.parse(envelope.data);
    const chunk = await chunkOfMemory(deps.db, memoryId);
    if (chunk === undefined) return;
    await handleOnce(
      deps.db,
      { schema: INGESTION_SCHEMA, consumer: ON_MEMORY_EMBEDDED, eventId: envelope.eventId },
      async (trx) => {
        const document = await lockDocument(trx, chunk.documentId);
        if (document === undefined) return;
        const now = deps.clock();
        await markChunkEmbedded(trx, memoryId, now);
        if (document.status !== "chunked" || (await countUnembedded(trx, document.id)) > 0) return;
        await runDocumentCommand(
          trx,
          {
            type: "MarkIndexed",
            data: { documentId: document.id, projectId: document.projectId, revision: document.revision },
            meta: { now },
          },
          eventMetadata(ctx, {
            actor: systemActor("ingestion"),
            projectId: document.projectId,
            causationId: envelope.eventId,
          }),
        );
      },
    );
  };
}
