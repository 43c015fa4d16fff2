import type { MessageContext, SessionsRevoked } from "@tessera/contracts";
import { requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { AccountNotFoundError, CurrentPasswordIncorrectError } from "../domain/errors.ts";
import { findAccountById } from "../infra/accounts.ts";
import type { AuthDb } from "../infra/tables.ts";
import { changeAndRevokeSessions } from "./change-and-revoke.ts";
import { hashNewPassword, type PasswordPolicyDeps } from "./passwords.ts";
import type { SessionDeps } from "./sessions.ts";

/**
 * `svc.auth.password.change`: checks the current password, refuses a common new one, records the
 * change and revokes every other session of the caller (the current one, `ctx.sessionId`, stays),
 * all in one transaction; answers the sessions it revoked.
 */
export function changePassword(
  deps: Pick<SessionDeps, "clock"> & PasswordPolicyDeps & { db: Kysely<AuthDb> },
) {
  return async (
    request: { currentPassword: string; newPassword: string },
    ctx: MessageContext,
  ): Promise<SessionsRevoked> => {
    const accountId = requireUser(ctx);
    const account = await findAccountById(deps.db, accountId);
    if (!account) throw new AccountNotFoundError();
    // Without a password (a provider sign-up) the way to set one is a reset.
    if (
      !account.password_hash ||
      !(await deps.hasher.verify(account.password_hash, request.currentPassword))
    ) {
      throw new CurrentPasswordIncorrectError();
    }
    const passwordHash = await hashNewPassword(deps, request.newPassword, "newPassword");
    const revokedSessionIds = await changeAndRevokeSessions(
      deps,
      {
        accountId,
        command: { type: "ChangePassword", data: { passwordHash }, meta: { now: deps.clock() } },
        reason: "password_changed",
        ...(ctx.sessionId === undefined ? {} : { keep: ctx.sessionId }),
      },
      ctx,
    );
    return { revokedSessionIds };
  };
}
