import type { MessageContext } from "@tessera/contracts";
import { type DeletePublishedCopies, handleCommand } from "@tessera/eventstore";
import { eventMetadata, requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import { userStores } from "../infra/event-store.ts";
import { projectUserEvents } from "../infra/read-model.ts";
import type { UserDb } from "../infra/tables.ts";

/**
 * `svc.user.me.erase` → 202: appends `user.user.erased` and, in the same transaction, deletes the
 * bus's copies of the user's published events, destroys the user's key and drops the profile row,
 * so the profile is gone when the caller gets the answer. Memberships, history and every other
 * service follow on the published event (which also catches copies published meanwhile).
 */
export function eraseMe(deps: {
  db: Kysely<UserDb>;
  clock: () => Date;
  deletePublished: DeletePublishedCopies;
}) {
  return async (
    _request: Record<string, never>,
    ctx: MessageContext,
  ): Promise<{ userId: string; status: "erasure_started" }> => {
    const userId = requireUser(ctx);
    await deps.db.transaction().execute(async (trx) => {
      await handleCommand(
        userStores.on(trx),
        profileDecider,
        profileStreamId(userId),
        { type: "EraseUser", data: { userId }, meta: { now: deps.clock() } },
        { inline: [projectUserEvents], metadata: eventMetadata(ctx) },
      );
      await userStores.vault(trx).erase(userId, deps.deletePublished);
    });
    return { userId, status: "erasure_started" };
  };
}
