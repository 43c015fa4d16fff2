import type { MessageContext, SessionRevokeReason } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { accountStreamId } from "../domain/account.ts";
import { type AccountCommand, accountDecider } from "../domain/decide.ts";
import { projectAccountEvents } from "../infra/accounts.ts";
import { authStores } from "../infra/auth-store.ts";
import { findUnrevokedSessionIds } from "../infra/sessions.ts";
import type { AuthDb } from "../infra/tables.ts";
import { revokeSessions } from "./sessions.ts";

/**
 * Applies a credential change to an account and revokes its sessions (all but `keep`) in one
 * transaction, answering the sessions it revoked: a failure anywhere, a crash included, leaves the
 * password and every session as they were. A session appended to meanwhile (a refresh racing the
 * change) is decided again inside the transaction (the append sits behind a savepoint); a conflict
 * that outlasts the retries fails the whole change with 409 `conflict.concurrent_update`.
 */
export async function changeAndRevokeSessions(
  deps: { db: Kysely<AuthDb>; clock: () => Date },
  change: { accountId: string; command: AccountCommand; reason: SessionRevokeReason; keep?: string },
  ctx: MessageContext,
): Promise<string[]> {
  const { accountId } = change;
  return deps.db.transaction().execute(async (trx) => {
    const store = authStores.on(trx);
    await handleCommand(store, accountDecider, accountStreamId(accountId), change.command, {
      inline: [projectAccountEvents],
      metadata: eventMetadata(ctx, { actor: accountId }),
    });
    const sessionIds = (await findUnrevokedSessionIds(trx, accountId)).filter((id) => id !== change.keep);
    return revokeSessions({ store, clock: deps.clock }, sessionIds, change.reason, ctx);
  });
}
