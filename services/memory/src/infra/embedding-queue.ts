import type { Db } from "./memories.ts";

export interface PendingEmbedding {
  id: string;
  projectId: string;
  collectionId: string | null;
  ownerId: string | null;
  content: string;
  version: number;
  attempts: number;
  createdAt: Date;
}

/** Memories waiting for a vector whose next attempt is due, oldest first. */
export async function listPendingEmbeddings(db: Db, now: Date, limit: number): Promise<PendingEmbedding[]> {
  const rows = await db
    .selectFrom("memories")
    .select([
      "id",
      "project_id",
      "collection_id",
      "owner_id",
      "content",
      "version",
      "embed_attempts",
      "created_at",
    ])
    .where("embed_after", "<=", now)
    .orderBy("embed_after")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    projectId: row.project_id,
    collectionId: row.collection_id,
    ownerId: row.owner_id,
    content: row.content,
    version: row.version,
    attempts: row.embed_attempts,
    createdAt: row.created_at,
  }));
}

/** A failed attempt: try again at `retryAt`. */
export async function deferEmbeddings(db: Db, ids: readonly string[], retryAt: Date): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("memories")
    .set((eb) => ({ embed_after: retryAt.toISOString(), embed_attempts: eb("embed_attempts", "+", 1) }))
    .where("id", "in", ids)
    .execute();
}

/**
 * Queues memories for the embed worker: those without a vector of this model and dimension, or
 * every one with `all`. Their current vectors stay searchable only under their own model.
 */
export async function queueReembedding(
  db: Db,
  at: { model: string; dimensions: number; all: boolean; projectId?: string; now: Date },
): Promise<number> {
  let query = db.updateTable("memories").set({ embed_after: at.now.toISOString(), embed_attempts: 0 });
  if (!at.all) {
    query = query.where((eb) =>
      eb.or([
        eb("embedding_model", "is", null),
        eb("embedding_model", "<>", at.model),
        eb("embedding_dims", "<>", at.dimensions),
      ]),
    );
  }
  if (at.projectId) query = query.where("project_id", "=", at.projectId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** How many memories have no vector from the configured model and dimension (reported at start-up). */
export async function countStaleEmbeddings(db: Db, model: string, dimensions: number): Promise<number> {
  const row = await db
    .selectFrom("memories")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where((eb) => eb.or([eb("embedding_model", "<>", model), eb("embedding_dims", "<>", dimensions)]))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The embed worker's queue: memories waiting for a vector, those due now, and the oldest due one's wait. */
export async function embeddingQueueDepth(
  db: Db,
  now: Date,
): Promise<{ waiting: number; due: number; oldestDueSeconds: number }> {
  const row = await db
    .selectFrom("memories")
    .select((eb) => [
      eb.fn.countAll<string>().as("waiting"),
      eb.fn.count<string>("id").filterWhere("embed_after", "<=", now).as("due"),
      eb.fn.min("embed_after").as("oldest"),
    ])
    .where("embed_after", "is not", null)
    .executeTakeFirstOrThrow();
  const oldest = row.oldest === null ? now : new Date(row.oldest);
  return {
    waiting: Number(row.waiting),
    due: Number(row.due),
    oldestDueSeconds: Math.max(0, (now.getTime() - oldest.getTime()) / 1_000),
  };
}
