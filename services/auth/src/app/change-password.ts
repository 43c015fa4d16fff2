import type { MessageContext } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import type { Kysely } from "kysely";
import { accountStreamId } from "../domain/account.ts";
import { accountDecider } from "../domain/decide.ts";
import { AccountNotFoundError, CurrentPasswordIncorrectError } from "../domain/errors.ts";
import { findAccountById, projectAccountEvents } from "../infra/accounts.ts";
import { findUnrevokedSessionIds } from "../infra/sessions.ts";
import type { AuthDb } from "../infra/tables.ts";
import { requireActor } from "./actor.ts";
import { eventMetadata } from "./metadata.ts";
import { hashNewPassword, type PasswordPolicyDeps } from "./passwords.ts";
import { revokeSessions, type SessionDeps } from "./sessions.ts";

/**
 * `svc.auth.password.change`: checks the current password, refuses a common new one, records the
 * change and revokes every other session of the caller (the current one, `ctx.sessionId`, stays).
 */
export function changePassword(
  deps: Pick<SessionDeps, "store" | "clock"> & PasswordPolicyDeps & { db: Kysely<AuthDb> },
) {
  return async (
    request: { currentPassword: string; newPassword: string },
    ctx: MessageContext,
  ): Promise<null> => {
    const accountId = requireActor(ctx);
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
    await handleCommand(
      deps.store,
      accountDecider,
      accountStreamId(accountId),
      { type: "ChangePassword", data: { passwordHash }, meta: { now: deps.clock() } },
      { inline: [projectAccountEvents], metadata: eventMetadata(ctx, accountId) },
    );
    const others = (await findUnrevokedSessionIds(deps.db, accountId)).filter((id) => id !== ctx.sessionId);
    await revokeSessions(deps, others, "password_changed", ctx);
    return null;
  };
}
