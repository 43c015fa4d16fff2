import { type EventMetadata, type MessageContext, NotFoundError } from "@tessera/contracts";
import {
  type AnyDb,
  type AnyTransaction,
  createEventStore,
  createPersonalDataVault,
  type EventLike,
  type EventStore,
  handleCommand,
  type PersonalDataVault,
  type PersonalFields,
  withPersonalData,
} from "@tessera/eventstore";
import type { Kysely, Transaction } from "kysely";
import { z } from "zod";
import { type CollectionCommand, collectionDecider, collectionStreamId } from "../domain/collection.ts";
import { type MemoryCommand, memoryDecider } from "../domain/decide.ts";
import { memoryStreamId } from "../domain/memory.ts";
import type { HalfLives } from "../domain/ranking.ts";
import type { EmbeddingProvider } from "../infra/embeddings/provider.ts";
import { projectCollectionEvents, projectMemoryEvents } from "../infra/projection.ts";
import type { MemoryDb } from "../infra/tables.ts";

export const MEMORY_SCHEMA = "memory";

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

/**
 * The project a request may touch. The gateway has checked membership and sends the project in
 * the context; a path that names another project is treated as unknown (404), never as forbidden.
 */
export function scopedProject(request: { projectId: string }, ctx: MessageContext): string {
  if (ctx.projectId !== undefined && ctx.projectId !== request.projectId) {
    throw new NotFoundError("project.not_found", "This project does not exist.");
  }
  return request.projectId;
}

/** The signed-in user behind the request, or null for the platform itself (`system:<service>`). */
export function actorUser(ctx: MessageContext): string | null {
  const parsed = z.uuid().safeParse(ctx.actor);
  return parsed.success ? parsed.data : null;
}

export function eventMetadata(ctx: MessageContext, projectId: string): EventMetadata {
  return {
    requestId: ctx.requestId,
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    ...(ctx.actor ? { actor: ctx.actor } : {}),
    projectId,
  };
}

type Db = Kysely<MemoryDb> | Transaction<MemoryDb>;

/**
 * What a person put into a memory, sealed under their key (crypto-shredding, decision 0019): the
 * content, metadata and source refs, and the vector, which can give the content away. Platform
 * memories (no owner, e.g. ingested chunks) are not personal and stay in the clear.
 */
const PERSONAL_FIELDS: ReadonlyMap<string, readonly string[]> = new Map([
  ["memory.memory.recorded", ["content", "metadata", "sourceRefs"]],
  ["memory.memory.revised", ["content", "metadata"]],
  ["memory.memory.embedded", ["embedding"]],
]);
const OwnedEventData = z.object({ ownerId: z.uuid() });

export function memoryPersonalFields(event: EventLike): PersonalFields | undefined {
  const fields = PERSONAL_FIELDS.get(event.type);
  if (fields === undefined) return undefined;
  const owned = OwnedEventData.safeParse(event.data);
  return owned.success ? { subjectId: owned.data.ownerId, fields } : undefined;
}

/** The per-owner key vault of the `memory` schema, on the handle you write with. */
export function memoryVault(db: AnyDb | AnyTransaction): PersonalDataVault {
  return createPersonalDataVault(db, { schema: MEMORY_SCHEMA });
}

/** The `memory` event store, sealing owners' personal fields on append and opening them on read. */
export function memoryStore(db: Db): EventStore {
  return withPersonalData(createEventStore(db, { schema: MEMORY_SCHEMA }), {
    vault: memoryVault(db),
    policy: memoryPersonalFields,
  });
}

/** Load → decide → append with the read-model rows updated in the same transaction. */
export function runMemoryCommand(db: Db, command: MemoryCommand, metadata: EventMetadata) {
  return handleCommand(memoryStore(db), memoryDecider, memoryStreamId(command.data.memoryId), command, {
    inline: [projectMemoryEvents],
    metadata,
  });
}

export function runCollectionCommand(db: Db, command: CollectionCommand, metadata: EventMetadata) {
  return handleCommand(
    createEventStore(db, { schema: MEMORY_SCHEMA }),
    collectionDecider,
    collectionStreamId(command.data.collectionId),
    command,
    { inline: [projectCollectionEvents], metadata },
  );
}
