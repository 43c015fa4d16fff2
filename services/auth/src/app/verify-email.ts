import type { MessageContext } from "@tessera/contracts";
import { type EventStore, handleCommand } from "@tessera/eventstore";
import { eventMetadata } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { accountStreamId } from "../domain/account.ts";
import { accountDecider } from "../domain/decide.ts";
import { VerificationTokenInvalidError } from "../domain/errors.ts";
import { findLinkTokenAccount, projectAccountEvents } from "../infra/accounts.ts";
import { hashLinkToken } from "../infra/link-tokens.ts";
import type { AuthDb } from "../infra/tables.ts";

/** `svc.auth.email.verify`: a single-use, expiring token marks the account's email verified. */
export function verifyEmail(deps: { db: Kysely<AuthDb>; store: EventStore; clock: () => Date }) {
  return async (request: { token: string }, ctx: MessageContext): Promise<null> => {
    const tokenHash = hashLinkToken(request.token);
    const accountId = await findLinkTokenAccount(deps.db, tokenHash, "email-verification");
    if (!accountId) throw new VerificationTokenInvalidError();
    await handleCommand(
      deps.store,
      accountDecider,
      accountStreamId(accountId),
      { type: "VerifyEmail", data: { tokenHash }, meta: { now: deps.clock() } },
      { inline: [projectAccountEvents], metadata: eventMetadata(ctx, { actor: accountId }) },
    );
    return null;
  };
}
