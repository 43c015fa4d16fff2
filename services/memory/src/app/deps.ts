import { commandRunner } from "@tessera/eventstore";
import type { Kysely } from "kysely";
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

/** Load → decide → append with the read-model rows updated in the same transaction. */
export const runMemoryCommand = commandRunner({
  stores: memoryStores,
  decider: memoryDecider,
  streamId: (command: MemoryCommand) => memoryStreamId(command.data.memoryId),
  inline: [projectMemoryEvents],
});

export const runCollectionCommand = commandRunner({
  stores: memoryStores,
  decider: collectionDecider,
  streamId: (command: CollectionCommand) => collectionStreamId(command.data.collectionId),
  inline: [projectCollectionEvents],
});
