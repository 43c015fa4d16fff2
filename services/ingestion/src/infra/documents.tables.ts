import type { ColumnType, Selectable } from "kysely";

type Timestamp = ColumnType<Date, string, string>;
type NullableTimestamp = ColumnType<Date | null, string | null, string | null>;
type Json<T> = ColumnType<T, string, string>;

/** A document as it stands (`deleting`: gone for callers, its chunks still leaving memory). */
export interface DocumentsTable {
  id: string;
  project_id: string;
  source_id: string | null;
  collection_id: string | null;
  external_id: string | null;
  title: string | null;
  content_type: string;
  metadata: Json<Record<string, unknown>>;
  status: string;
  error: string | null;
  revision: number;
  bytes: number;
  content_hash: string;
  chunk_count: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Worker bookkeeping: when the document's pending work (chunking, purging) may next be tried. */
  work_after: NullableTimestamp;
  work_attempts: ColumnType<number, number | undefined, number>;
}

/** The bytes of the last revision received, and the text the current chunks point into. */
export interface DocumentContentsTable {
  document_id: string;
  project_id: string;
  revision: number;
  charset: string | null;
  body: Buffer;
  text: string | null;
  text_revision: number | null;
}

export interface ChunksTable {
  id: string;
  project_id: string;
  document_id: string;
  natural_key: string;
  position: number;
  start_offset: number;
  end_offset: number;
  heading_path: Json<string[]>;
  content_hash: string;
  memory_id: string;
  embedded_at: NullableTimestamp;
  created_at: Timestamp;
}

/** How many incarnations of a chunk key a document has removed (a returning chunk gets a new id). */
export interface ChunkRemovalsTable {
  document_id: string;
  natural_key: string;
  removals: number;
}

export type DocumentsDb = {
  documents: DocumentsTable;
  document_contents: DocumentContentsTable;
  chunks: ChunksTable;
  chunk_removals: ChunkRemovalsTable;
};

export type DocumentRow = Selectable<DocumentsTable>;
export type ChunkRow = Selectable<ChunksTable>;
