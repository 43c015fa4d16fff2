import { type Chunk, memoryIdForChunk } from "@tessera/contracts";
import { sql, type Transaction } from "kysely";
import type { PlannedChunk, StoredChunk } from "../domain/chunk-plan.ts";
import type { DocumentsDb } from "./documents.tables.ts";
import type { Db } from "./documents.ts";

/** Rows per statement: well under Postgres's 65 535 parameters, whatever the document's size. */
const BATCH = 1_000;

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += BATCH) out.push(items.slice(index, index + BATCH));
  return out;
}

export async function storedChunks(db: Db, documentId: string): Promise<StoredChunk[]> {
  return db
    .selectFrom("chunks")
    .select(["id", "natural_key as naturalKey"])
    .where("document_id", "=", documentId)
    .orderBy("position")
    .execute();
}

export async function removalCounts(db: Db, documentId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("chunk_removals")
    .select(["natural_key", "removals"])
    .where("document_id", "=", documentId)
    .execute();
  return new Map(rows.map((row) => [row.natural_key, row.removals]));
}

export async function insertChunks(
  trx: Transaction<DocumentsDb>,
  at: { projectId: string; documentId: string; now: string },
  chunks: readonly PlannedChunk[],
): Promise<void> {
  for (const batch of batches(chunks)) {
    await trx
      .insertInto("chunks")
      .values(
        batch.map((chunk) => ({
          id: chunk.id,
          project_id: at.projectId,
          document_id: at.documentId,
          natural_key: chunk.naturalKey,
          position: chunk.position,
          start_offset: chunk.start,
          end_offset: chunk.end,
          heading_path: JSON.stringify(chunk.headingPath),
          content_hash: chunk.contentHash,
          memory_id: memoryIdForChunk(chunk.id),
          created_at: at.now,
        })),
      )
      .execute();
  }
}

/** Unchanged chunks whose text moved: their offsets follow it. */
export async function moveChunks(
  trx: Transaction<DocumentsDb>,
  chunks: readonly PlannedChunk[],
): Promise<void> {
  for (const batch of batches(chunks)) {
    const values = sql.join(
      batch.map((chunk) => sql`(${chunk.id}::uuid, ${chunk.start}::int, ${chunk.end}::int)`),
    );
    await sql`
      update chunks set start_offset = moved.start_offset, end_offset = moved.end_offset
      from (values ${values}) as moved (id, start_offset, end_offset)
      where chunks.id = moved.id
        and (chunks.start_offset <> moved.start_offset or chunks.end_offset <> moved.end_offset)
    `.execute(trx);
  }
}

/** Removes chunks and counts the incarnation of each key gone, so a returning chunk gets a new id. */
export async function removeChunks(
  trx: Transaction<DocumentsDb>,
  documentId: string,
  chunks: readonly StoredChunk[],
): Promise<void> {
  for (const batch of batches(chunks)) {
    await trx
      .deleteFrom("chunks")
      .where("document_id", "=", documentId)
      .where(
        "id",
        "in",
        batch.map((chunk) => chunk.id),
      )
      .execute();
    await trx
      .insertInto("chunk_removals")
      .values(batch.map((chunk) => ({ document_id: documentId, natural_key: chunk.naturalKey, removals: 1 })))
      .onConflict((oc) =>
        oc
          .columns(["document_id", "natural_key"])
          .doUpdateSet({ removals: sql`chunk_removals.removals + 1` }),
      )
      .execute();
  }
}

export async function listChunks(
  db: Db,
  projectId: string,
  documentId: string,
  page: { afterPosition?: number; limit: number },
): Promise<Chunk[]> {
  let query = db
    .selectFrom("chunks")
    .select([
      "id",
      "document_id",
      "position",
      "start_offset",
      "end_offset",
      "heading_path",
      "memory_id",
      "embedded_at",
    ])
    .where("project_id", "=", projectId)
    .where("document_id", "=", documentId)
    .orderBy("position")
    .limit(page.limit);
  if (page.afterPosition !== undefined) query = query.where("position", ">", page.afterPosition);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    documentId: row.document_id,
    position: row.position,
    start: row.start_offset,
    end: row.end_offset,
    headingPath: row.heading_path,
    memoryId: row.memory_id,
    indexed: row.embedded_at !== null,
  }));
}

/** The document a chunk memory belongs to, if the memory is a chunk's. */
export async function chunkOfMemory(
  db: Db,
  memoryId: string,
): Promise<{ documentId: string; projectId: string } | undefined> {
  const row = await db
    .selectFrom("chunks")
    .select(["document_id", "project_id"])
    .where("memory_id", "=", memoryId)
    .executeTakeFirst();
  return row ? { documentId: row.document_id, projectId: row.project_id } : undefined;
}

export async function markChunkEmbedded(
  trx: Transaction<DocumentsDb>,
  memoryId: string,
  now: Date,
): Promise<void> {
  await trx
    .updateTable("chunks")
    .set({ embedded_at: now.toISOString() })
    .where("memory_id", "=", memoryId)
    .where("embedded_at", "is", null)
    .execute();
}

export async function countUnembedded(db: Db, documentId: string): Promise<number> {
  const row = await db
    .selectFrom("chunks")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("document_id", "=", documentId)
    .where("embedded_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function deleteAllChunks(trx: Transaction<DocumentsDb>, documentId: string): Promise<void> {
  await trx.deleteFrom("chunks").where("document_id", "=", documentId).execute();
}
