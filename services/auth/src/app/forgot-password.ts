import type { MessageContext } from "@tessera/contracts";
import { type EventStore, handleCommand } from "@tessera/eventstore";
import { eventMetadata } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { accountStreamId } from "../domain/account.ts";
import { accountDecider } from "../domain/decide.ts";
import { findAccountByEmail, projectAccountEvents } from "../infra/accounts.ts";
import { issueLinkToken, type LinkTokenKey } from "../infra/link-tokens.ts";
import type { AuthDb } from "../infra/tables.ts";
import type { BackgroundTasks } from "./background.ts";

export interface ForgotPasswordDeps {
  db: Kysely<AuthDb>;
  store: EventStore;
  linkKey: LinkTokenKey;
  /** Lifetime of a reset link, in ms. */
  resetTtlMs: number;
  clock: () => Date;
  background: BackgroundTasks;
}

/**
 * `svc.auth.password.forgot`: answers as soon as the email is looked up, the same whether or not it
 * has an account; for an account, the reset request (token, encryption, append) runs after the
 * answer, so its cost cannot be timed from outside.
 */
export function forgotPassword(deps: ForgotPasswordDeps) {
  return async (request: { email: string }, ctx: MessageContext): Promise<null> => {
    const account = await findAccountByEmail(deps.db, request.email);
    if (account) {
      deps.background.run("password reset request", ctx.requestId, async () => {
        const link = issueLinkToken(deps.linkKey, "password-reset", account.account_id);
        await handleCommand(
          deps.store,
          accountDecider,
          accountStreamId(account.account_id),
          {
            type: "RequestPasswordReset",
            data: { link: { tokenHash: link.tokenHash, token: link.encrypted, lifetimeMs: deps.resetTtlMs } },
            meta: { now: deps.clock() },
          },
          { inline: [projectAccountEvents], metadata: eventMetadata(ctx) },
        );
      });
    }
    return null;
  };
}
