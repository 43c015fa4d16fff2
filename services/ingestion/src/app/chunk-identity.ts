import { createHash } from "node:crypto";
import { nameBasedUuid } from "@tessera/contracts";
import type { KeyedChunk } from "../domain/chunk-plan.ts";
import type { ChunkSpan } from "../domain/chunker.ts";

/**
 * Chunk identity. A chunk's natural key hashes everything its memory says: the document, the
 * chunk's position and heading path, the SHA-256 of its content, and the document's collection
 * and metadata. So the same content at the same place keeps its id (and its memory) from one
 * revision to the next, and a memory never holds a fact about its chunk that has stopped being
 * true. Offsets are not in it: text that moves without changing keeps its memory, and its offsets
 * follow it. The id is a name-based UUID of the key and its incarnation.
 */

/** What a chunk's memory records about the document it belongs to. */
export interface ChunkContext {
  readonly documentId: string;
  readonly collectionId: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
}

export function sha256(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

/** JSON with every object's keys sorted, so equal metadata always hashes alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).toSorted(([left], [right]) =>
      left < right ? -1 : left > right ? 1 : 0,
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function chunkIdOf(naturalKey: string, incarnation: number): string {
  return nameBasedUuid(`tessera:document-chunk:${naturalKey}:${incarnation}`);
}

/** Each span of `text` with its content hash and natural key. */
export function keyChunks(text: string, spans: readonly ChunkSpan[], context: ChunkContext): KeyedChunk[] {
  const documentPart = [context.documentId, context.collectionId, canonicalJson(context.metadata)];
  return spans.map((span) => {
    const contentHash = sha256(text.slice(span.start, span.end));
    const naturalKey = sha256(
      JSON.stringify([...documentPart, span.position, span.headingPath, contentHash]),
    );
    return { ...span, naturalKey, contentHash };
  });
}
