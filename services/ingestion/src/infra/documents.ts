import {
  type Document,
  type DocumentContentType,
  DocumentContentTypeSchema,
  type DocumentStatus,
  DocumentStatusSchema,
} from "@tessera/contracts";
import { isUniqueViolation } from "@tessera/eventstore";
import { type Kysely, sql, type Transaction } from "kysely";
import type { DocumentRow, DocumentsDb } from "./documents.tables.ts";

export type Db = Kysely<DocumentsDb> | Transaction<DocumentsDb>;

/** Status of a document that callers no longer see (its chunks are leaving memory). */
export const DELETING = "deleting";

function documentFromRow(row: DocumentRow & { indexed_chunks: number | string }): Document {
  return {
    id: row.id,
    projectId: row.project_id,
    title: row.title,
    contentType: DocumentContentTypeSchema.parse(row.content_type),
    status: DocumentStatusSchema.parse(row.status),
    chunks: row.chunk_count,
    indexedChunks: Number(row.indexed_chunks),
    error: row.status === "failed" ? row.error : null,
    externalId: row.external_id,
    sourceId: row.source_id,
    collectionId: row.collection_id,
    metadata: row.metadata,
    bytes: row.bytes,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

function visibleDocuments(db: Db, projectId: string) {
  return db
    .selectFrom("documents as d")
    .selectAll("d")
    .select((eb) =>
      eb
        .selectFrom("chunks as c")
        .select(eb.fn.countAll<string>().as("n"))
        .whereRef("c.document_id", "=", "d.id")
        .where("c.embedded_at", "is not", null)
        .as("indexed_chunks"),
    )
    .where("d.project_id", "=", projectId)
    .where("d.status", "<>", DELETING);
}

export async function findDocument(
  db: Db,
  projectId: string,
  documentId: string,
): Promise<Document | undefined> {
  const row = await visibleDocuments(db, projectId).where("d.id", "=", documentId).executeTakeFirst();
  return row ? documentFromRow({ ...row, indexed_chunks: row.indexed_chunks ?? 0 }) : undefined;
}

export interface DocumentFilter {
  status?: DocumentStatus;
  sourceId?: string;
  externalId?: string;
}

/** Newest first, keyset-paged on (created_at, id). */
export async function listDocuments(
  db: Db,
  projectId: string,
  page: { after?: { createdAt: string; id: string }; limit: number; filter: DocumentFilter },
): Promise<Document[]> {
  let query = visibleDocuments(db, projectId)
    .orderBy("d.created_at", "desc")
    .orderBy("d.id", "desc")
    .limit(page.limit);
  const { status, sourceId, externalId } = page.filter;
  if (status) query = query.where("d.status", "=", status);
  if (sourceId) query = query.where("d.source_id", "=", sourceId);
  if (externalId) query = query.where("d.external_id", "=", externalId);
  const after = page.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb("d.created_at", "<", new Date(after.createdAt)),
        eb.and([eb("d.created_at", "=", new Date(after.createdAt)), eb("d.id", "<", after.id)]),
      ]),
    );
  }
  const rows = await query.execute();
  return rows.map((row) => documentFromRow({ ...row, indexed_chunks: row.indexed_chunks ?? 0 }));
}

/** The live document with this external id in the project and source (no source is a source of its own). */
export async function findDocumentIdByExternalId(
  db: Db,
  projectId: string,
  sourceId: string | null,
  externalId: string,
): Promise<string | undefined> {
  const row = await db
    .selectFrom("documents")
    .select("id")
    .where("project_id", "=", projectId)
    .where((eb) => (sourceId === null ? eb("source_id", "is", null) : eb("source_id", "=", sourceId)))
    .where("external_id", "=", externalId)
    .where("status", "<>", DELETING)
    .executeTakeFirst();
  return row?.id;
}

/** Two posts raced to create the same external id; the loser is told to post again as a revision. */
export function isExternalIdTaken(error: unknown): boolean {
  return isUniqueViolation(error, "documents_external_id_unique");
}

/** The bytes of a revision, stored beside its event; the text of the chunks in place stays until replaced. */
export async function saveContent(
  trx: Transaction<DocumentsDb>,
  content: {
    documentId: string;
    projectId: string;
    revision: number;
    charset: string | null;
    body: Uint8Array;
  },
): Promise<void> {
  const row = {
    project_id: content.projectId,
    revision: content.revision,
    charset: content.charset,
    body: Buffer.from(content.body.buffer, content.body.byteOffset, content.body.byteLength),
  };
  await trx
    .insertInto("document_contents")
    .values({ document_id: content.documentId, ...row, text: null, text_revision: null })
    .onConflict((oc) => oc.column("document_id").doUpdateSet(row))
    .execute();
}

export interface StoredContent {
  revision: number;
  charset: string | null;
  body: Uint8Array;
}

export async function loadContent(db: Db, documentId: string): Promise<StoredContent | undefined> {
  const row = await db
    .selectFrom("document_contents")
    .select(["revision", "charset", "body"])
    .where("document_id", "=", documentId)
    .executeTakeFirst();
  return row ? { revision: row.revision, charset: row.charset, body: new Uint8Array(row.body) } : undefined;
}

export async function saveExtractedText(
  trx: Transaction<DocumentsDb>,
  documentId: string,
  revision: number,
  text: string,
): Promise<void> {
  await trx
    .updateTable("document_contents")
    .set({ text, text_revision: revision })
    .where("document_id", "=", documentId)
    .execute();
}

export interface LockedDocument {
  id: string;
  projectId: string;
  status: string;
  revision: number;
}

/** The document's row, locked for the transaction: chunk writes and the indexed check take turns on it. */
export async function lockDocument(
  trx: Transaction<DocumentsDb>,
  documentId: string,
): Promise<LockedDocument | undefined> {
  const row = await trx
    .selectFrom("documents")
    .select(["id", "project_id", "status", "revision"])
    .where("id", "=", documentId)
    .forUpdate()
    .executeTakeFirst();
  return row
    ? { id: row.id, projectId: row.project_id, status: row.status, revision: row.revision }
    : undefined;
}

export interface ClaimedWork extends LockedDocument {
  attempts: number;
  sourceId: string | null;
  collectionId: string | null;
  contentType: DocumentContentType;
  metadata: Record<string, unknown>;
  title: string | null;
}

/**
 * The next document with work due, leased for `leaseMs` (so another replica leaves it alone and a
 * crashed one's claim runs out). A short transaction: parsing happens outside it.
 */
export async function claimWork(
  db: Kysely<DocumentsDb>,
  now: Date,
  leaseMs: number,
): Promise<ClaimedWork | undefined> {
  const { rows } = await sql<DocumentRow>`
    update documents set work_after = ${new Date(now.getTime() + leaseMs)}, work_attempts = work_attempts + 1
    where id = (
      select id from documents where work_after <= ${now} order by work_after limit 1 for update skip locked
    )
    returning *
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    projectId: row.project_id,
    status: row.status,
    revision: row.revision,
    attempts: row.work_attempts,
    sourceId: row.source_id,
    collectionId: row.collection_id,
    contentType: DocumentContentTypeSchema.parse(row.content_type),
    metadata: row.metadata,
    title: row.title,
  };
}

/** Work that failed unexpectedly: try again at `retryAt` (the revision it was for may have moved on). */
export async function deferWork(db: Db, documentId: string, revision: number, retryAt: Date): Promise<void> {
  await db
    .updateTable("documents")
    .set({ work_after: retryAt.toISOString() })
    .where("id", "=", documentId)
    .where("revision", "=", revision)
    .where("work_after", "is not", null)
    .execute();
}

export async function documentIdsOfSource(db: Db, projectId: string, sourceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("documents")
    .select("id")
    .where("project_id", "=", projectId)
    .where("source_id", "=", sourceId)
    .where("status", "<>", DELETING)
    .execute();
  return rows.map((row) => row.id);
}

/** The last of a deleted document: its row, content and chunk bookkeeping (its events stay). */
export async function deleteDocumentRows(trx: Transaction<DocumentsDb>, documentId: string): Promise<void> {
  await trx.deleteFrom("chunk_removals").where("document_id", "=", documentId).execute();
  await trx.deleteFrom("document_contents").where("document_id", "=", documentId).execute();
  await trx.deleteFrom("documents").where("id", "=", documentId).where("status", "=", DELETING).execute();
}
