import { createHash } from "node:crypto";
import { type EventEnvelope, ingestionChunkCreated, type MessageContext } from "@tessera/contracts";
import { handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { MemoryExistsError } from "../domain/errors.ts";
import { MEMORY_SCHEMA } from "../infra/event-store.ts";
import { type MemoryDeps, runMemoryCommand } from "./deps.ts";

export const ON_CHUNK_CREATED = "on-chunk-created";

/** A name-based (v5-style) UUID: the same chunk always maps to the same memory. */
export function memoryIdForChunk(chunkId: string): string {
  const hex = createHash("sha1").update(`tessera:ingestion-chunk:${chunkId}`).digest("hex");
  const variant = ((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/**
 * `evt.ingestion.chunk.created` → a `semantic` memory with the chunk and its document as source
 * refs, embedded by the worker. Idempotent twice over: the event id is recorded with the append,
 * and the memory id is derived from the chunk id.
 */
export function onChunkCreated(deps: MemoryDeps) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const chunk = ingestionChunkCreated.data.parse(envelope.data);
    const memoryId = memoryIdForChunk(chunk.chunkId);
    const ran = await handleOnce(
      deps.db,
      { schema: MEMORY_SCHEMA, consumer: ON_CHUNK_CREATED, eventId: envelope.eventId },
      async (trx) => {
        try {
          await runMemoryCommand(
            trx,
            {
              type: "RecordMemory",
              data: {
                memoryId,
                projectId: chunk.projectId,
                collectionId: null,
                ownerId: null,
                tier: "semantic",
                content: chunk.content,
                metadata: { ...chunk.metadata, documentId: chunk.documentId, position: chunk.position },
                importance: 0.5,
                sourceRefs: [
                  { kind: "ingestion_chunk", id: chunk.chunkId },
                  { kind: "document", id: chunk.documentId },
                ],
                validTo: null,
              },
              meta: { now: deps.clock(), workingTtlMs: deps.policy.workingTtlMs },
            },
            eventMetadata(ctx, {
              actor: systemActor("memory"),
              projectId: chunk.projectId,
              causationId: envelope.eventId,
            }),
          );
        } catch (error) {
          // The same chunk published again under another event id: already remembered.
          if (!(error instanceof MemoryExistsError)) throw error;
        }
      },
    );
    if (ran.ran) deps.nudgeEmbedding();
  };
}
