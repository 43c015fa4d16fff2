import type { EventMetadata } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import type { Kysely, Transaction } from "kysely";
import { type CollectionCommand, collectionDecider, collectionStreamId } from "../domain/collection.ts";
import { type MemoryCommand, memoryDecider } from "../domain/decide.ts";
import { memoryStreamId } from "../domain/memory.ts";
import type { HalfLives } from "../domain/ranking.ts";
import type { EmbeddingProvider } from "../infra/embeddings/provider.ts";
import { memoryStores } from "../infra/event-store.ts";
import { projectCollectionEvents, projectMemoryEvents } from "../infra/projection.ts";
import type { MemoryDb } from "../infra/tables.ts";

/** Tier policy and tuning, from configuration. */
export interface MemoryPolicy {
  /** Lifetime of a `working` memory, in ms. */
  workingTtlMs: number;
  halfLives: HalfLives;
  /** Cosine distance under which a new memory reinforces an existing one; 0 turns dedupe off. */
  dedupeMaxDistance: number;
  efSearch: number;
}

export interface MemoryDeps {
  db: Kysely<MemoryDb>;
  embedder: EmbeddingProvider;
  clock: () => Date;
  policy: MemoryPolicy;
  /** Wakes the embed worker after a write that left a memory pending. */
  nudgeEmbedding: () => void;
}

type Db = Kysely<MemoryDb> | Transaction<MemoryDb>;

/** Load → decide → append with the read-model rows updated in the same transaction. */
export function runMemoryCommand(db: Db, command: MemoryCommand, metadata: EventMetadata) {
  return handleCommand(memoryStores.on(db), memoryDecider, memoryStreamId(command.data.memoryId), command, {
    inline: [projectMemoryEvents],
    metadata,
  });
}

export function runCollectionCommand(db: Db, command: CollectionCommand, metadata: EventMetadata) {
  return handleCommand(
    memoryStores.on(db),
    collectionDecider,
    collectionStreamId(command.data.collectionId),
    command,
    { inline: [projectCollectionEvents], metadata },
  );
}
