import { type Kysely, sql } from "kysely";
import type { MemoryDb } from "./tables.ts";

/**
 * HNSW build parameters, tuned with bench/memory (100k × 384 on this machine): recall@10 ≥ 0.95
 * with ef_search 100. @see docs/decisions (memory embeddings)
 */
export const HNSW_M = 16;
export const HNSW_EF_CONSTRUCTION = 64;

export function embeddingIndexName(dimensions: number): string {
  return `memories_embedding_hnsw_${dimensions}`;
}

/**
 * One partial HNSW (cosine) index per vector dimension in use, over `embedding::vector(n)`: the
 * column is untyped so a model change needs no table rewrite, and every vector query repeats the
 * same expression and `embedding_dims = n` so the planner can use the index. Created at start-up
 * for the configured dimension, under an advisory lock so replicas starting together do not race.
 */
export async function ensureEmbeddingIndex(db: Kysely<MemoryDb>, dimensions: number): Promise<void> {
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 2_000) {
    throw new RangeError(`HNSW supports 1 to 2000 dimensions, not ${dimensions}`);
  }
  const dims = sql.lit(dimensions);
  await db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(hashtext('memory.embedding-index'))`.execute(connection);
    try {
      await sql`
        create index if not exists ${sql.raw(embeddingIndexName(dimensions))} on memories
        using hnsw ((embedding::vector(${dims})) vector_cosine_ops)
        with (m = ${sql.lit(HNSW_M)}, ef_construction = ${sql.lit(HNSW_EF_CONSTRUCTION)})
        where embedding_dims = ${dims}
      `.execute(connection);
    } finally {
      await sql`select pg_advisory_unlock(hashtext('memory.embedding-index'))`.execute(connection);
    }
  });
}
