import type { ChunkSpan } from "./chunker.ts";

/**
 * Which chunks a new revision creates, keeps and removes. Chunks are matched by their natural key
 * (see app/chunk-identity.ts: the document, position, heading path, content and what the chunk's
 * memory records); a kept chunk keeps its id and memory. A key that comes back after it was
 * removed is a new incarnation with a new id, since memory forgets for good.
 */

export interface KeyedChunk extends ChunkSpan {
  readonly naturalKey: string;
  readonly contentHash: string;
}

export interface PlannedChunk extends KeyedChunk {
  readonly id: string;
}

export interface StoredChunk {
  readonly id: string;
  readonly naturalKey: string;
}

export interface ChunkPlan {
  /** Every chunk of the revision, in order. */
  readonly chunks: readonly PlannedChunk[];
  readonly created: readonly PlannedChunk[];
  /** Unchanged chunks (same id); their offsets may have moved. */
  readonly kept: readonly PlannedChunk[];
  readonly removed: readonly StoredChunk[];
}

/**
 * `removals` counts, per natural key, the incarnations removed before; `idOf` names an
 * incarnation of a key.
 */
export function planChunks(
  keyed: readonly KeyedChunk[],
  stored: readonly StoredChunk[],
  removals: ReadonlyMap<string, number>,
  idOf: (naturalKey: string, incarnation: number) => string,
): ChunkPlan {
  const storedByKey = new Map(stored.map((chunk) => [chunk.naturalKey, chunk]));
  const chunks: PlannedChunk[] = [];
  const created: PlannedChunk[] = [];
  const kept: PlannedChunk[] = [];
  for (const chunk of keyed) {
    const existing = storedByKey.get(chunk.naturalKey);
    const planned = {
      ...chunk,
      id: existing?.id ?? idOf(chunk.naturalKey, removals.get(chunk.naturalKey) ?? 0),
    };
    chunks.push(planned);
    (existing ? kept : created).push(planned);
  }
  const planned = new Set(keyed.map((chunk) => chunk.naturalKey));
  return { chunks, created, kept, removed: stored.filter((chunk) => !planned.has(chunk.naturalKey)) };
}
