import type { MessageContext } from "@tessera/contracts";
import { callerOf } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { AccountNotFoundError } from "../domain/errors.ts";
import { findAccountById } from "../infra/accounts.ts";
import type { AuthDb } from "../infra/tables.ts";

/**
 * `svc.auth.accounts.get` (internal, no route): what the account's registration said and whether its
 * email is verified, for the user service when a request beats `auth.account.registered` or
 * `auth.email.verified`. The account itself or the platform may ask; anyone else, like an unknown
 * or erased account, hears 404.
 */
export function getAccount(deps: { db: Kysely<AuthDb> }) {
  return async (
    request: { accountId: string },
    ctx: MessageContext,
  ): Promise<{ accountId: string; email: string; registeredAt: string; emailVerified: boolean }> => {
    const caller = callerOf(ctx);
    const allowed =
      caller.kind === "system" || (caller.kind === "user" && caller.userId === request.accountId);
    const account = allowed ? await findAccountById(deps.db, request.accountId) : undefined;
    if (!account) throw new AccountNotFoundError();
    return {
      accountId: account.account_id,
      email: account.email,
      registeredAt: account.registered_at.toISOString(),
      emailVerified: account.email_verified_at !== null,
    };
  };
}
