import type { MessageContext, SessionsRevoked } from "@tessera/contracts";
import type { Kysely } from "kysely";
import { ResetTokenInvalidError } from "../domain/errors.ts";
import { findLinkTokenAccount } from "../infra/accounts.ts";
import { hashLinkToken } from "../infra/link-tokens.ts";
import type { AuthDb } from "../infra/tables.ts";
import { changeAndRevokeSessions } from "./change-and-revoke.ts";
import { hashNewPassword, type PasswordPolicyDeps } from "./passwords.ts";
import type { SessionDeps } from "./sessions.ts";

/**
 * `svc.auth.password.reset`: the new password is checked and hashed first, so every answer costs the
 * same argon2 work whatever the token; an unknown, used or expired token is one 400. On success
 * every session of the account is revoked, and named in the answer.
 */
export function resetPassword(
  deps: Pick<SessionDeps, "clock"> & PasswordPolicyDeps & { db: Kysely<AuthDb> },
) {
  return async (
    request: { token: string; newPassword: string },
    ctx: MessageContext,
  ): Promise<SessionsRevoked> => {
    const passwordHash = await hashNewPassword(deps, request.newPassword, "newPassword");
    const tokenHash = hashLinkToken(request.token);
    const accountId = await findLinkTokenAccount(deps.db, tokenHash, "password-reset");
    if (!accountId) throw new ResetTokenInvalidError();
    const revokedSessionIds = await changeAndRevokeSessions(
      deps,
      {
        accountId,
        command: { type: "ResetPassword", data: { tokenHash, passwordHash }, meta: { now: deps.clock() } },
        reason: "password_reset",
      },
      ctx,
    );
    return { revokedSessionIds };
  };
}
