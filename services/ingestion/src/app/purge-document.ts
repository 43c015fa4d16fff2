import { eventMetadata, systemContext } from "@tessera/service-kit";
import { documentStreamId } from "../domain/document.ts";
import { deleteAllChunks, storedChunks } from "../infra/chunks.ts";
import { type ClaimedWork, DELETING, deleteDocumentRows, lockDocument } from "../infra/documents.ts";
import { appendChunkEvents } from "./chunk-events.ts";
import type { DocumentDeps } from "./documents-deps.ts";

/**
 * A deleted document's last step: a `chunk.removed` for each of its chunks (memory forgets them),
 * then its rows and content go. Its events stay, as history.
 */
export async function purgeDocument(deps: DocumentDeps, work: ClaimedWork): Promise<void> {
  const now = deps.clock().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    const locked = await lockDocument(trx, work.id);
    if (locked?.status !== DELETING) return;
    const chunks = await storedChunks(trx, work.id);
    await appendChunkEvents(
      trx,
      {
        documentId: work.id,
        projectId: work.projectId,
        sourceId: work.sourceId,
        collectionId: work.collectionId,
        metadata: work.metadata,
        text: "",
        now,
      },
      { created: [], removed: chunks, reason: "document_deleted" },
      eventMetadata(systemContext("ingestion"), {
        projectId: work.projectId,
        causationId: documentStreamId(work.id),
      }),
    );
    await deleteAllChunks(trx, work.id);
    await deleteDocumentRows(trx, work.id);
  });
}
