import {
  type EventEnvelope,
  ingestionChunkRemoved,
  type MessageContext,
  memoryIdForChunk,
  TesseraError,
} from "@tessera/contracts";
import { handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { MemoryNotFoundError } from "../domain/errors.ts";
import { memoryStreamId } from "../domain/memory.ts";
import { MEMORY_SCHEMA, memoryStores } from "../infra/event-store.ts";
import { type MemoryDeps, runMemoryCommand } from "./deps.ts";

export const ON_CHUNK_REMOVED = "on-chunk-removed";

/** A removal that overtook its chunk's creation: retried (with backoff) until the memory exists. */
export class ChunkMemoryNotRecordedYetError extends TesseraError {
  override name = "ChunkMemoryNotRecordedYetError";
  constructor(chunkId: string) {
    super("memory.chunk_not_recorded_yet", 503, `The memory of chunk ${chunkId} is not recorded yet.`);
  }
}

/**
 * `evt.ingestion.chunk.removed` → the chunk's memory is forgotten (reason `deleted`). One already
 * forgotten (by a member, with its collection) stays so; one not recorded yet is waited for, since
 * a later creation would otherwise bring the chunk back.
 */
export function onChunkRemoved(deps: MemoryDeps) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const chunk = ingestionChunkRemoved.data.parse(envelope.data);
    const memoryId = memoryIdForChunk(chunk.chunkId);
    await handleOnce(
      deps.db,
      { schema: MEMORY_SCHEMA, consumer: ON_CHUNK_REMOVED, eventId: envelope.eventId },
      async (trx) => {
        const { version } = await memoryStores.on(trx).readStream(memoryStreamId(memoryId));
        if (version === 0) throw new ChunkMemoryNotRecordedYetError(chunk.chunkId);
        try {
          await runMemoryCommand(
            trx,
            {
              type: "ForgetMemory",
              data: { projectId: chunk.projectId, memoryId, reason: "deleted" },
              meta: { now: deps.clock(), workingTtlMs: deps.policy.workingTtlMs },
            },
            eventMetadata(ctx, {
              actor: systemActor("memory"),
              projectId: chunk.projectId,
              causationId: envelope.eventId,
            }),
          );
        } catch (error) {
          if (!(error instanceof MemoryNotFoundError)) throw error;
        }
      },
    );
  };
}
