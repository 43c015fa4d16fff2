import type { ColumnType, Insertable, Selectable } from "kysely";

type Timestamp = ColumnType<Date, string, string>;
type Json<T> = ColumnType<T, string, string>;

export interface CollectionsTable {
  id: string;
  project_id: string;
  name: string;
  description: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MemoriesTable {
  id: string;
  project_id: string;
  collection_id: string | null;
  owner_id: string | null;
  tier: string;
  content: string;
  content_hash: string;
  metadata: Json<Record<string, unknown>>;
  importance: number;
  source_refs: Json<unknown[]>;
  version: number;
  valid_from: Timestamp;
  valid_to: ColumnType<Date | null, string | null, string | null>;
  expires_at: ColumnType<Date | null, string | null, string | null>;
  superseded_by: string | null;
  reinforcements: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_seen_at: Timestamp;
  last_accessed_at: ColumnType<Date | null, never, Date>;
  access_count: ColumnType<number, never, number>;
  /** pgvector's text form; read back only by SQL. */
  embedding: ColumnType<string | null, string | null, string | null>;
  embedding_model: string | null;
  embedding_dims: number | null;
  embedding_version: number | null;
  embed_after: ColumnType<Date | null, string | null, string | null>;
  embed_attempts: ColumnType<number, number | undefined, number>;
  content_tsv: ColumnType<string, never, never>;
}

export interface MemoryVersionsTable {
  memory_id: string;
  project_id: string;
  version: number;
  content: string;
  tier: string;
  metadata: Json<Record<string, unknown>>;
  importance: number;
  valid_from: Timestamp;
  valid_to: ColumnType<Date | null, string | null, string | null>;
  recorded_at: Timestamp;
}

/** The `memory` schema's read models. */
export interface MemoryDb {
  collections: CollectionsTable;
  memories: MemoriesTable;
  memory_versions: MemoryVersionsTable;
}

export type CollectionRow = Selectable<CollectionsTable>;
export type MemoryRow = Selectable<MemoriesTable>;
export type NewMemoryRow = Insertable<MemoriesTable>;
export type MemoryVersionRow = Selectable<MemoryVersionsTable>;
