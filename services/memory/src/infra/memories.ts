import {
  type Memory,
  type MemoryTier,
  MemoryTierSchema,
  type MemoryVersion,
  SourceRefsSchema,
} from "@tessera/contracts";
import { type Kysely, sql, type Transaction } from "kysely";
import pgvector from "pgvector";
import type { MemoryDb, MemoryVersionRow } from "./tables.ts";

export type Db = Kysely<MemoryDb> | Transaction<MemoryDb>;

/** Every column a reply needs; the vector itself stays in the database. */
const MEMORY_COLUMNS = [
  "id",
  "project_id",
  "collection_id",
  "owner_id",
  "tier",
  "content",
  "metadata",
  "importance",
  "source_refs",
  "version",
  "valid_from",
  "valid_to",
  "expires_at",
  "superseded_by",
  "reinforcements",
  "created_at",
  "updated_at",
  "last_seen_at",
  "last_accessed_at",
  "embedding_version",
] as const;

export interface MemoryView {
  memory: Memory;
  lastAccessedAt: Date | null;
}

type ViewRow = {
  id: string;
  project_id: string;
  collection_id: string | null;
  owner_id: string | null;
  tier: string;
  content: string;
  metadata: Record<string, unknown>;
  importance: number;
  source_refs: unknown[];
  version: number;
  valid_from: Date;
  valid_to: Date | null;
  expires_at: Date | null;
  superseded_by: string | null;
  reinforcements: number;
  created_at: Date;
  updated_at: Date;
  last_seen_at: Date;
  last_accessed_at: Date | null;
  embedding_version: number | null;
};

function viewFromRow(row: ViewRow): MemoryView {
  return {
    lastAccessedAt: row.last_accessed_at,
    memory: {
      id: row.id,
      projectId: row.project_id,
      collectionId: row.collection_id,
      ownerId: row.owner_id,
      tier: tierOf(row.tier),
      content: row.content,
      metadata: row.metadata,
      importance: row.importance,
      sourceRefs: SourceRefsSchema.parse(row.source_refs),
      version: row.version,
      validFrom: row.valid_from.toISOString(),
      validTo: row.valid_to?.toISOString() ?? null,
      expiresAt: row.expires_at?.toISOString() ?? null,
      supersededBy: row.superseded_by,
      reinforcements: row.reinforcements,
      embedding: row.embedding_version === row.version ? "ready" : "pending",
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      lastSeenAt: row.last_seen_at.toISOString(),
    },
  };
}

function tierOf(value: string): MemoryTier {
  return MemoryTierSchema.parse(value);
}

export async function findMemory(db: Db, projectId: string, memoryId: string): Promise<Memory | undefined> {
  const row = await db
    .selectFrom("memories")
    .select(MEMORY_COLUMNS)
    .where("project_id", "=", projectId)
    .where("id", "=", memoryId)
    .executeTakeFirst();
  return row ? viewFromRow(row).memory : undefined;
}

/** The project's memories with these ids (in no particular order). */
export async function findMemoryViews(
  db: Db,
  projectId: string,
  ids: readonly string[],
): Promise<MemoryView[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom("memories")
    .select(MEMORY_COLUMNS)
    .where("project_id", "=", projectId)
    .where("id", "in", ids)
    .execute();
  return rows.map(viewFromRow);
}

/** A live memory with the same normalised content in the same project and collection. */
export async function findExactDuplicate(
  db: Db,
  at: { projectId: string; collectionId: string | null; contentHash: string; now: Date },
): Promise<string | undefined> {
  const row = await db
    .selectFrom("memories")
    .select("id")
    .where("project_id", "=", at.projectId)
    .where("content_hash", "=", at.contentHash)
    .where((eb) =>
      at.collectionId === null ? eb("collection_id", "is", null) : eb("collection_id", "=", at.collectionId),
    )
    .where(live(at.now))
    .orderBy("created_at")
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/** Not superseded, not ended, not expired at `now`. */
function live(now: Date) {
  const iso = now.toISOString();
  return sql<boolean>`superseded_by is null and (valid_to is null or valid_to > ${iso}) and (expires_at is null or expires_at > ${iso})`;
}

/** The closest live memory in the same project and collection within `maxDistance`, if any. */
export async function findNearDuplicate(
  db: Db,
  at: {
    projectId: string;
    collectionId: string | null;
    vector: readonly number[];
    model: string;
    dimensions: number;
    maxDistance: number;
    now: Date;
    excludeId?: string;
    /** Only memories recorded before this time (the worker compares a newcomer with older ones). */
    createdBefore?: Date;
  },
): Promise<{ id: string; distance: number } | undefined> {
  const dims = sql.lit(at.dimensions);
  const query = pgvector.toSql([...at.vector]);
  const collection =
    at.collectionId === null ? sql`collection_id is null` : sql`collection_id = ${at.collectionId}`;
  const exclude = at.excludeId ? sql`and id <> ${at.excludeId}` : sql``;
  const before = at.createdBefore ? sql`and created_at < ${at.createdBefore.toISOString()}` : sql``;
  const { rows } = await sql<{ id: string; distance: number }>`
    select id, (embedding::vector(${dims})) <=> ${query}::vector(${dims}) as distance
    from memories
    where embedding_dims = ${dims} and embedding_model = ${at.model} and project_id = ${at.projectId}
      and ${collection} and ${live(at.now)} ${exclude} ${before}
    order by distance
    limit 1
  `.execute(db);
  const nearest = rows[0];
  return nearest && nearest.distance <= at.maxDistance ? nearest : undefined;
}

export async function listVersions(
  db: Db,
  projectId: string,
  memoryId: string,
  page: { afterVersion: number; limit: number },
): Promise<MemoryVersion[]> {
  const rows = await db
    .selectFrom("memory_versions")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("memory_id", "=", memoryId)
    .where("version", ">", page.afterVersion)
    .orderBy("version")
    .limit(page.limit)
    .execute();
  return rows.map(versionFromRow);
}

function versionFromRow(row: MemoryVersionRow): MemoryVersion {
  return {
    version: row.version,
    content: row.content,
    tier: tierOf(row.tier),
    metadata: row.metadata,
    importance: row.importance,
    validFrom: row.valid_from.toISOString(),
    validTo: row.valid_to?.toISOString() ?? null,
    recordedAt: row.recorded_at.toISOString(),
  };
}

export type MemoryRef = { id: string; projectId: string };

export async function listCollectionMemories(
  db: Db,
  projectId: string,
  collectionId: string,
): Promise<MemoryRef[]> {
  const rows = await db
    .selectFrom("memories")
    .select(["id", "project_id"])
    .where("project_id", "=", projectId)
    .where("collection_id", "=", collectionId)
    .execute();
  return rows.map((row) => ({ id: row.id, projectId: row.project_id }));
}

/** Across projects on purpose: erasure follows the person, wherever they recorded memories. */
export async function listOwnerMemories(db: Db, ownerId: string): Promise<MemoryRef[]> {
  const rows = await db
    .selectFrom("memories")
    .select(["id", "project_id"])
    .where("owner_id", "=", ownerId)
    .execute();
  return rows.map((row) => ({ id: row.id, projectId: row.project_id }));
}

/** Memories past their expiry, oldest first; in one project, or in all for the platform's prune. */
export async function listExpired(
  db: Db,
  at: { now: Date; projectId?: string; limit: number },
): Promise<MemoryRef[]> {
  let query = db
    .selectFrom("memories")
    .select(["id", "project_id"])
    .where("expires_at", "<=", at.now)
    .orderBy("expires_at")
    .limit(at.limit);
  if (at.projectId) query = query.where("project_id", "=", at.projectId);
  const rows = await query.execute();
  return rows.map((row) => ({ id: row.id, projectId: row.project_id }));
}

/** Counts a search hit as an access, which slows the memory's ranking decay. */
export async function recordAccess(
  db: Db,
  projectId: string,
  ids: readonly string[],
  now: Date,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("memories")
    .set((eb) => ({ last_accessed_at: now, access_count: eb("access_count", "+", 1) }))
    .where("project_id", "=", projectId)
    .where("id", "in", ids)
    .execute();
}
