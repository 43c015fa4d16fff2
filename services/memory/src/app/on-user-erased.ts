import type { EventEnvelope, MessageContext } from "@tessera/contracts";
import { type DeletePublishedCopies, handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { z } from "zod";
import { MEMORY_SCHEMA, memoryStores } from "../infra/event-store.ts";
import { listOwnerMemories } from "../infra/memories.ts";
import { type MemoryDeps, runMemoryCommand } from "./deps.ts";

export const ON_USER_ERASED = "on-user-erased";

/** The part of `evt.user.user.erased` this service relies on (the user service owns the full contract). */
const UserErasedData = z.object({ userId: z.uuid() });

/**
 * `evt.user.user.erased` → every memory the person recorded, in every project, is forgotten
 * (reason `erased`: its read-model rows and versions are dropped), then the person's key is
 * destroyed, all in one transaction with the event id. The stored events stay as they were; what
 * they sealed under that key (content, metadata, source refs, vectors, also of memories forgotten
 * earlier) can no longer be read, and a replay sees `[erased]` in its place.
 */
export function onUserErased(deps: MemoryDeps & { deletePublished: DeletePublishedCopies }) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const { userId } = UserErasedData.parse(envelope.data);
    await handleOnce(
      deps.db,
      { schema: MEMORY_SCHEMA, consumer: ON_USER_ERASED, eventId: envelope.eventId },
      async (trx) => {
        const memories = await listOwnerMemories(trx, userId);
        const now = deps.clock();
        for (const memory of memories) {
          await runMemoryCommand(
            trx,
            {
              type: "ForgetMemory",
              data: { projectId: memory.projectId, memoryId: memory.id, reason: "erased" },
              meta: { now, workingTtlMs: deps.policy.workingTtlMs },
            },
            eventMetadata(ctx, { actor: systemActor("memory"), causationId: envelope.eventId }),
          );
        }
        await memoryStores.vault(trx).erase(userId, deps.deletePublished);
      },
    );
  };
}
