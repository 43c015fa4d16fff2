import type { Account, MessageContext } from "@tessera/contracts";
import { callerOf } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { type AccountEvent, accountStreamId } from "../domain/account.ts";
import { AccountNotFoundError } from "../domain/errors.ts";
import { findAccountById } from "../infra/accounts.ts";
import { authStores } from "../infra/auth-store.ts";
import type { AuthDb } from "../infra/tables.ts";

/**
 * `svc.auth.accounts.get` (internal, no route): what the account's registration said and whether its
 * email is verified, for the user service when a request beats `auth.account.registered` or
 * `auth.email.verified`. The account itself or the platform may ask; anyone else, like an unknown
 * or erased account, hears 404. The display name is read from the registration event, the one place
 * auth keeps it (sealed).
 */
export function getAccount(deps: { db: Kysely<AuthDb> }) {
  return async (request: { accountId: string }, ctx: MessageContext): Promise<Account> => {
    const caller = callerOf(ctx);
    const allowed =
      caller.kind === "system" || (caller.kind === "user" && caller.userId === request.accountId);
    const account = allowed ? await findAccountById(deps.db, request.accountId) : undefined;
    if (!account) throw new AccountNotFoundError();
    return {
      accountId: account.account_id,
      email: account.email,
      displayName: await registeredDisplayName(deps.db, request.accountId),
      registeredAt: account.registered_at.toISOString(),
      emailVerified: account.email_verified_at !== null,
    };
  };
}

async function registeredDisplayName(db: Kysely<AuthDb>, accountId: string): Promise<string | null> {
  const { events } = await authStores.on(db).readStream<AccountEvent>(accountStreamId(accountId));
  const registered = events.find((event) => event.type === "auth.account.registered");
  return registered?.type === "auth.account.registered" ? (registered.data.displayName ?? null) : null;
}
