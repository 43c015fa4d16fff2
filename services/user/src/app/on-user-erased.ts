import { type EventEnvelope, type MessageContext, userErased } from "@tessera/contracts";
import { handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import { USER_SCHEMA, userStores } from "../infra/event-store.ts";
import { deleteHistoryOf } from "../infra/history.ts";
import { markErased } from "../infra/profiles.ts";
import { projectIdsOf } from "../infra/projects.ts";
import { type ProjectCommandDeps, runProjectCommand } from "./project-command.ts";

export const ON_USER_ERASED = "on-user-erased";

/**
 * `evt.user.user.erased` → the user leaves every project (a last owner hands over to the
 * longest-standing admin, or the project is deleted with its pending invitations), their history
 * goes, the bus's copies of their profile events are deleted, their key is destroyed (again:
 * idempotent), all in one transaction with the processed-event record.
 */
export function onUserErased(deps: ProjectCommandDeps & { clock: () => Date }) {
  return async (envelope: EventEnvelope, ctx: MessageContext): Promise<void> => {
    const { userId, erasedAt } = userErased.data.parse(envelope.data);
    await handleOnce(
      deps.db,
      { schema: USER_SCHEMA, consumer: ON_USER_ERASED, eventId: envelope.eventId },
      async (trx) => {
        const metadata = eventMetadata(ctx, { actor: systemActor("user"), causationId: envelope.eventId });
        for (const projectId of await projectIdsOf(trx, userId)) {
          await runProjectCommand(
            deps,
            {
              type: "RemoveErasedUser",
              data: { projectId, userId },
              meta: { now: deps.clock(), actorId: systemActor("user") },
            },
            metadata,
            trx,
          );
        }
        await deleteHistoryOf(trx, userId);
        await markErased(trx, userId, erasedAt);
        // Every profile event published before `user.erased` is on the bus by now: delete those copies.
        await userStores.vault(trx).erase(userId, deps.deletePublished);
      },
    );
  };
}
