import { type EventEnvelope, type MessageContext, userErased } from "@tessera/contracts";
import { type DeletePublishedCopies, handleCommand, handleOnce } from "@tessera/eventstore";
import { eventMetadata, systemActor } from "@tessera/service-kit";
import type { Kysely, Transaction } from "kysely";
import { accountStreamId } from "../domain/account.ts";
import { accountDecider } from "../domain/decide.ts";
import { findAccountById, projectAccountEvents } from "../infra/accounts.ts";
import { AUTH_SCHEMA, authStores } from "../infra/auth-store.ts";
import { clearFailures, throttleKeys } from "../infra/login-failures.ts";
import { findUnrevokedSessionIds } from "../infra/sessions.ts";
import type { AuthDb } from "../infra/tables.ts";
import { revokeSessions } from "./sessions.ts";

export const ON_USER_ERASED = "on-user-erased";

/**
 * `evt.user.user.erased` → in one transaction with the processed-event record: the account is
 * erased (`auth.account.erased`; its email row, password hash, links, identities and provider
 * tokens go, so the email can register again), every session is revoked (the revocation feed puts
 * them on the gateway's deny-list), the email's throttle count goes, the copies of its events that
 * went out on the bus in the clear are deleted from JetStream, and the account's key is destroyed,
 * so its sealed fields in older events read as `[erased]`.
 */
export function onUserErased(deps: {
  db: Kysely<AuthDb>;
  clock: () => Date;
  deletePublished: DeletePublishedCopies;
}) {
  return async (envelope: EventEnvelope, received: MessageContext): Promise<void> => {
    const { userId } = userErased.data.parse(envelope.data);
    // The platform acts now, on behalf of the erasure's request.
    const ctx: MessageContext = { ...received, actor: systemActor("auth") };
    await handleOnce(
      deps.db,
      { schema: AUTH_SCHEMA, consumer: ON_USER_ERASED, eventId: envelope.eventId },
      (trx) => eraseAccount(trx, userId, envelope, ctx, deps),
    );
  };
}

async function eraseAccount(
  trx: Transaction<AuthDb>,
  accountId: string,
  envelope: EventEnvelope,
  ctx: MessageContext,
  deps: { clock: () => Date; deletePublished: DeletePublishedCopies },
): Promise<void> {
  const { clock } = deps;
  const store = authStores.on(trx);
  const account = await findAccountById(trx, accountId);
  if (account) await clearFailures(trx, throttleKeys(account.email, undefined).account);
  await handleCommand(
    store,
    accountDecider,
    accountStreamId(accountId),
    { type: "EraseAccount", data: {}, meta: { now: clock() } },
    {
      inline: [projectAccountEvents],
      metadata: eventMetadata(ctx, { causationId: envelope.eventId }),
    },
  );
  await revokeSessions(
    { store, clock },
    await findUnrevokedSessionIds(trx, accountId),
    "account_erased",
    ctx,
  );
  // The bus's copies of its published events go too; then the key.
  await authStores.vault(trx).erase(accountId, deps.deletePublished);
}
