import { type EventEnvelope, type MessageContext, sourceDeleted } from "@tessera/contracts";
import { handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { documentIdsOfSource } from "../infra/documents.ts";
import { INGESTION_SCHEMA } from "../infra/event-store.ts";
import { type DocumentDeps, runDocumentCommand } from "./documents-deps.ts";

export const ON_SOURCE_DELETED = "on-source-deleted";

/** `evt.ingestion.source.deleted`: the source's documents are deleted, and so their chunks' memories. */
export function onSourceDeleted(deps: DocumentDeps) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const { sourceId, projectId } = sourceDeleted.data.parse(envelope.data);
    const metadata = eventMetadata(ctx, {
      actor: systemActor("ingestion"),
      projectId,
      causationId: envelope.eventId,
    });
    const ran = await handleOnce(
      deps.db,
      { schema: INGESTION_SCHEMA, consumer: ON_SOURCE_DELETED, eventId: envelope.eventId },
      async (trx) => {
        for (const documentId of await documentIdsOfSource(trx, projectId, sourceId)) {
          await runDocumentCommand(
            trx,
            {
              type: "DeleteDocument",
              data: { documentId, projectId, reason: "source_deleted" },
              meta: { now: deps.clock() },
            },
            metadata,
          );
        }
      },
    );
    if (ran.ran) deps.nudgeWorker();
  };
}
