import {
  type EventEnvelope,
  ingestionChunkCreated,
  type MessageContext,
  memoryIdForChunk,
} from "@tessera/contracts";
import { handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { MemoryExistsError } from "../domain/errors.ts";
import { findCollection } from "../infra/collections.ts";
import { MEMORY_SCHEMA } from "../infra/event-store.ts";
import { type MemoryDeps, runMemoryCommand } from "./deps.ts";

export const ON_CHUNK_CREATED = "on-chunk-created";

/**
 * `evt.ingestion.chunk.created` → a `semantic` memory with the chunk and its document as source
 * refs, embedded by the worker, in the document's collection when this project has it. Idempotent
 * twice over: the event id is recorded with the append, and the memory id is derived from the
 * chunk id (`memoryIdForChunk`).
 */
export function onChunkCreated(deps: MemoryDeps) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const chunk = ingestionChunkCreated.data.parse(envelope.data);
    const memoryId = memoryIdForChunk(chunk.chunkId);
    const ran = await handleOnce(
      deps.db,
      { schema: MEMORY_SCHEMA, consumer: ON_CHUNK_CREATED, eventId: envelope.eventId },
      async (trx) => {
        const wanted = chunk.collectionId ?? null;
        const collectionId =
          wanted !== null && (await findCollection(trx, chunk.projectId, wanted)) ? wanted : null;
        try {
          await runMemoryCommand(
            trx,
            {
              type: "RecordMemory",
              data: {
                memoryId,
                projectId: chunk.projectId,
                collectionId,
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
