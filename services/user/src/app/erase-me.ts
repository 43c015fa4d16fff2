import type { MessageContext } from "@tessera/contracts";
import { createPersonalDataVault, type DeletePublishedCopies, handleCommand } from "@tessera/eventstore";
import type { Kysely } from "kysely";
import { profileDecider, profileStreamId } from "../domain/profile.ts";
import { projectUserEvents, USER_SCHEMA } from "../infra/read-model.ts";
import type { UserDb } from "../infra/tables.ts";
import { callerId, eventMetadata, userStore } from "./support.ts";

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
    const userId = callerId(ctx);
    await deps.db.transaction().execute(async (trx) => {
      await handleCommand(
        userStore(trx),
        profileDecider,
        profileStreamId(userId),
        { type: "EraseUser", data: { userId }, meta: { now: deps.clock() } },
        { inline: [projectUserEvents], metadata: eventMetadata(ctx), retries: 0 },
      );
      await createPersonalDataVault(trx, { schema: USER_SCHEMA }).erase(userId, deps.deletePublished);
    });
    return { userId, status: "erasure_started" };
  };
}
