import type { EventMetadata, MessageContext } from "@tessera/contracts";
import { ForbiddenError } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { type Kysely, Transaction } from "kysely";
import type { ChunkingOptions } from "../domain/chunker.ts";
import { type DocumentCommand, documentDecider, documentStreamId } from "../domain/document.ts";
import { projectDocumentEvents } from "../infra/document-projection.ts";
import type { DocumentsDb } from "../infra/documents.tables.ts";
import { type Db, lockDocument } from "../infra/documents.ts";
import { ingestionStores } from "../infra/event-store.ts";

/** Limits and tuning of documents, from configuration. */
export interface DocumentSettings {
  /** Largest document, in bytes. */
  maxBytes: number;
  chunking: ChunkingOptions;
  /** How long a claimed document stays with the worker that claimed it, in ms. */
  leaseMs: number;
  pollMs: number;
  /** Attempts at chunking a revision that keep failing unexpectedly before it is marked failed. */
  maxAttempts: number;
}

export interface DocumentDeps {
  db: Kysely<DocumentsDb>;
  clock: () => Date;
  settings: DocumentSettings;
  /** Wakes the document worker after a post or a delete. */
  nudgeWorker: () => void;
  sourceExists: (db: Db, projectId: string, sourceId: string) => Promise<boolean>;
}

/**
 * Lock → load → decide → append, the `documents` row updated in the same transaction. Every writer
 * of a document takes its row first (the chunking transaction and the indexed check too): taken
 * in another order, a post and the chunker could each hold what the other waits for, the row and
 * the stream's next version.
 */
export function runDocumentCommand(db: Db, command: DocumentCommand, metadata: EventMetadata) {
  const run = async (trx: Transaction<DocumentsDb>) => {
    await lockDocument(trx, command.data.documentId);
    return handleCommand(
      ingestionStores.on(trx),
      documentDecider,
      documentStreamId(command.data.documentId),
      command,
      { inline: [projectDocumentEvents], metadata },
    );
  };
  return db instanceof Transaction ? run(db) : db.transaction().execute(run);
}

const WRITERS: ReadonlySet<string> = new Set(["owner", "admin", "member"]);

/** Viewers read documents; changing them takes another role (the gateway checked it already). */
export function requireWriter(ctx: Pick<MessageContext, "projectRole">): void {
  if (ctx.projectRole !== undefined && !WRITERS.has(ctx.projectRole)) {
    throw new ForbiddenError("auth.forbidden", "Viewers may read documents, not change them.");
  }
}
