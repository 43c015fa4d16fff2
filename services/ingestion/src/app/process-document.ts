import { eventMetadata, systemContext } from "@tessera/service-kit";
import { planChunks } from "../domain/chunk-plan.ts";
import { documentStreamId } from "../domain/document.ts";
import {
  countUnembedded,
  insertChunks,
  moveChunks,
  removalCounts,
  removeChunks,
  storedChunks,
} from "../infra/chunks.ts";
import {
  type ClaimedWork,
  DELETING,
  loadContent,
  lockDocument,
  saveExtractedText,
} from "../infra/documents.ts";
import type { ExtractionResult, Extractor } from "../infra/extraction/extractor.ts";
import { appendChunkEvents } from "./chunk-events.ts";
import { chunkIdOf, keyChunks } from "./chunk-identity.ts";
import { type DocumentDeps, runDocumentCommand } from "./documents-deps.ts";
import { purgeDocument } from "./purge-document.ts";

type Extracted = Extract<ExtractionResult, { ok: true }>;

function workMetadata(work: ClaimedWork) {
  return eventMetadata(systemContext("ingestion"), {
    projectId: work.projectId,
    causationId: documentStreamId(work.id),
  });
}

/**
 * The document worker's step for one claimed document: a deleted one is purged; a received
 * revision is read and chunked off the event loop (`extractor`), then its chunks replace the
 * document's in one transaction. Work for a revision a newer post replaced is dropped; that post
 * has scheduled its own.
 */
export function processDocument(deps: DocumentDeps, extractor: Extractor) {
  return async (work: ClaimedWork): Promise<void> => {
    if (work.status === DELETING) return purgeDocument(deps, work);
    if (work.status !== "received") return;
    const content = await loadContent(deps.db, work.id);
    if (content === undefined || content.revision !== work.revision) return;
    const result = await extractor.extract(
      { contentType: work.contentType, charset: content.charset ?? undefined, bytes: content.body },
      deps.settings.chunking,
    );
    if (!result.ok) return failRevision(deps, work, result.reason);
    if (result.chunks.length === 0) return failRevision(deps, work, "the document has no text");
    await applyRevision(deps, work, result);
  };
}

/** The revision cannot be read: `failed`, with the reason; the chunks of an earlier revision stay. */
export async function failRevision(
  deps: Pick<DocumentDeps, "db" | "clock">,
  work: ClaimedWork,
  reason: string,
): Promise<void> {
  await runDocumentCommand(
    deps.db,
    {
      type: "FailDocument",
      data: { documentId: work.id, projectId: work.projectId, revision: work.revision, reason },
      meta: { now: deps.clock() },
    },
    workMetadata(work),
  );
}

/**
 * Diff against the chunks in place: vanished ones are removed (memory forgets them), new ones
 * created (memory records them), unchanged ones keep their ids and memories and follow their text
 * to its new offsets. The document's row is locked first, as the indexed check also does.
 */
async function applyRevision(deps: DocumentDeps, work: ClaimedWork, extracted: Extracted): Promise<void> {
  const now = deps.clock();
  const metadata = workMetadata(work);
  await deps.db.transaction().execute(async (trx) => {
    const locked = await lockDocument(trx, work.id);
    if (locked?.status !== "received" || locked.revision !== work.revision) return;
    const context = { documentId: work.id, collectionId: work.collectionId, metadata: work.metadata };
    const plan = planChunks(
      keyChunks(extracted.text, extracted.chunks, context),
      await storedChunks(trx, work.id),
      await removalCounts(trx, work.id),
      chunkIdOf,
    );
    await removeChunks(trx, work.id, plan.removed);
    await insertChunks(
      trx,
      { projectId: work.projectId, documentId: work.id, now: now.toISOString() },
      plan.created,
    );
    await moveChunks(trx, plan.kept);
    await saveExtractedText(trx, work.id, work.revision, extracted.text);
    await appendChunkEvents(
      trx,
      {
        ...context,
        projectId: work.projectId,
        sourceId: work.sourceId,
        text: extracted.text,
        now: now.toISOString(),
      },
      { created: plan.created, removed: plan.removed, reason: "replaced" },
      metadata,
    );
    const revision = { documentId: work.id, projectId: work.projectId, revision: work.revision };
    await runDocumentCommand(
      trx,
      {
        type: "RecordChunking",
        data: {
          ...revision,
          chunks: plan.chunks.length,
          created: plan.created.length,
          removed: plan.removed.length,
          textLength: extracted.text.length,
        },
        meta: { now },
      },
      metadata,
    );
    // Nothing new to embed (a re-post that changed no chunk, or only removed some): indexed already.
    if ((await countUnembedded(trx, work.id)) === 0) {
      await runDocumentCommand(trx, { type: "MarkIndexed", data: revision, meta: { now } }, metadata);
    }
  });
}
