import type { MemoryTier } from "@tessera/contracts";
import { type RawBuilder, sql } from "kysely";
import pgvector from "pgvector";
import type { Db } from "./memories.ts";

export interface SearchFilters {
  projectId: string;
  tiers?: readonly MemoryTier[];
  collectionId?: string;
  ownerId?: string;
  metadata?: Record<string, unknown>;
  createdAfter?: string;
  createdBefore?: string;
  /** Only memories valid (not superseded, not ended, not expired) at this time. */
  validAt: Date;
}

export interface Candidate {
  id: string;
  /** Cosine distance for vector candidates, `ts_rank_cd` for keyword candidates. */
  value: number;
}

/** Every condition takes the project first: no query here can see another project's rows. */
function conditions(filters: SearchFilters): RawBuilder<unknown> {
  const at = filters.validAt.toISOString();
  const parts: RawBuilder<unknown>[] = [
    sql`project_id = ${filters.projectId}`,
    sql`superseded_by is null`,
    sql`valid_from <= ${at}`,
    sql`(valid_to is null or valid_to > ${at})`,
    sql`(expires_at is null or expires_at > ${at})`,
  ];
  if (filters.tiers) parts.push(sql`tier in (${sql.join(filters.tiers)})`);
  if (filters.collectionId) parts.push(sql`collection_id = ${filters.collectionId}`);
  if (filters.ownerId) parts.push(sql`owner_id = ${filters.ownerId}`);
  if (filters.metadata) parts.push(sql`metadata @> ${JSON.stringify(filters.metadata)}::jsonb`);
  if (filters.createdAfter) parts.push(sql`created_at >= ${filters.createdAfter}`);
  if (filters.createdBefore) parts.push(sql`created_at < ${filters.createdBefore}`);
  return sql.join(parts, sql` and `);
}

export interface VectorQuery {
  vector: readonly number[];
  model: string;
  dimensions: number;
  limit: number;
  /** HNSW candidate list size. */
  efSearch: number;
}

/**
 * Nearest memories by cosine distance through the HNSW index. Iterative index scans
 * (`relaxed_order`, pgvector 0.8) keep scanning until `limit` rows pass the filters, so a selective
 * filter still fills the page; the outer `order by` restores strict order.
 */
export async function vectorCandidates(
  db: Db,
  filters: SearchFilters,
  query: VectorQuery,
): Promise<Candidate[]> {
  const dims = sql.lit(query.dimensions);
  const vector = pgvector.toSql([...query.vector]);
  return db.transaction().execute(async (trx) => {
    await sql`set local hnsw.ef_search = ${sql.lit(query.efSearch)}`.execute(trx);
    await sql`set local hnsw.iterative_scan = relaxed_order`.execute(trx);
    const { rows } = await sql<{ id: string; distance: number }>`
      with relaxed as materialized (
        select id, (embedding::vector(${dims})) <=> ${vector}::vector(${dims}) as distance
        from memories
        where embedding_dims = ${dims} and embedding_model = ${query.model} and ${conditions(filters)}
        order by distance
        limit ${query.limit}
      )
      select id, distance from relaxed order by distance
    `.execute(trx);
    return rows.map((row) => ({ id: row.id, value: row.distance }));
  });
}

/** Full-text matches of a websearch-style query (`"exact phrase" -excluded or`), best first. */
export async function keywordCandidates(
  db: Db,
  filters: SearchFilters,
  query: { text: string; limit: number },
): Promise<Candidate[]> {
  const { rows } = await sql<{ id: string; rank: number }>`
    select id, ts_rank_cd(content_tsv, q) as rank
    from memories, websearch_to_tsquery('english', ${query.text}) q
    where content_tsv @@ q and ${conditions(filters)}
    order by rank desc, id
    limit ${query.limit}
  `.execute(db);
  return rows.map((row) => ({ id: row.id, value: row.rank }));
}
