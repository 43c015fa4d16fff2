import type { StoredEvent } from "@tessera/eventstore";
import type { Transaction } from "kysely";
import type { DocumentEvent } from "../domain/document.ts";
import type { DocumentsDb } from "./documents.tables.ts";

/**
 * Inline projection of document events: the `documents` row, in the append's transaction. A new
 * revision or a deletion also schedules the worker (`work_after`).
 */
export async function projectDocumentEvents(
  trx: Transaction<DocumentsDb>,
  events: readonly StoredEvent<DocumentEvent>[],
): Promise<void> {
  for (const event of events) await projectDocumentEvent(trx, event);
}

async function projectDocumentEvent(
  trx: Transaction<DocumentsDb>,
  event: StoredEvent<DocumentEvent>,
): Promise<void> {
  switch (event.type) {
    case "ingestion.document.received": {
      const d = event.data;
      const row = {
        project_id: d.projectId,
        source_id: d.sourceId,
        collection_id: d.collectionId,
        external_id: d.externalId,
        title: d.title,
        content_type: d.contentType,
        metadata: JSON.stringify(d.metadata),
        status: "received",
        error: null,
        revision: d.revision,
        bytes: d.bytes,
        content_hash: d.contentHash,
        updated_at: d.receivedAt,
        work_after: d.receivedAt,
        work_attempts: 0,
      };
      await trx
        .insertInto("documents")
        .values({ id: d.documentId, ...row, created_at: d.receivedAt })
        .onConflict((oc) => oc.column("id").doUpdateSet(row))
        .execute();
      return;
    }
    case "ingestion.document.chunked":
      await trx
        .updateTable("documents")
        .set({
          status: "chunked",
          chunk_count: event.data.chunks,
          updated_at: event.data.chunkedAt,
          work_after: null,
        })
        .where("id", "=", event.data.documentId)
        .execute();
      return;
    case "ingestion.document.indexed":
      await trx
        .updateTable("documents")
        .set({ status: "indexed", updated_at: event.data.indexedAt })
        .where("id", "=", event.data.documentId)
        .execute();
      return;
    case "ingestion.document.failed":
      await trx
        .updateTable("documents")
        .set({
          status: "failed",
          error: event.data.reason,
          updated_at: event.data.failedAt,
          work_after: null,
        })
        .where("id", "=", event.data.documentId)
        .execute();
      return;
    case "ingestion.document.deleted":
      await trx
        .updateTable("documents")
        .set({
          status: "deleting",
          updated_at: event.data.deletedAt,
          work_after: event.data.deletedAt,
          work_attempts: 0,
        })
        .where("id", "=", event.data.documentId)
        .execute();
      return;
    default: {
      const unknown: never = event;
      throw new Error(`unhandled document event ${JSON.stringify(unknown)}`);
    }
  }
}
