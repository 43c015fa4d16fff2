import { randomUUID } from "node:crypto";
import type { MessageContext, Registration, TokenPair } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata } from "@tessera/service-kit";
import { accountStreamId } from "../domain/account.ts";
import { accountDecider } from "../domain/decide.ts";
import { projectAccountEvents } from "../infra/accounts.ts";
import { issueLinkToken, type LinkTokenKey } from "../infra/link-tokens.ts";
import { hashNewPassword, type PasswordPolicyDeps } from "./passwords.ts";
import { type SessionDeps, startSession } from "./sessions.ts";

export interface RegisterDeps extends SessionDeps, PasswordPolicyDeps {
  linkKey: LinkTokenKey;
  /** Lifetime of the email-verification link, in ms. */
  verificationTtlMs: number;
}

/**
 * `svc.auth.accounts.register`: refuse a common password, hash, append `auth.account.registered` (email
 * unique inline; email and display name sealed, published for the profile) with the
 * email-verification request, start a session.
 */
export function register(deps: RegisterDeps) {
  return async (request: Registration, ctx: MessageContext): Promise<TokenPair> => {
    const accountId = randomUUID();
    const passwordHash = await hashNewPassword(deps, request.password, "password");
    const link = issueLinkToken(deps.linkKey, "email-verification", accountId);
    await handleCommand(
      deps.store,
      accountDecider,
      accountStreamId(accountId),
      {
        type: "RegisterAccount",
        data: {
          accountId,
          email: request.email,
          ...(request.displayName === undefined ? {} : { displayName: request.displayName }),
          passwordHash,
          verification: {
            tokenHash: link.tokenHash,
            token: link.encrypted,
            lifetimeMs: deps.verificationTtlMs,
          },
        },
        meta: { now: deps.clock() },
      },
      { inline: [projectAccountEvents], metadata: eventMetadata(ctx, { actor: accountId }) },
    );
    return startSession(deps, { accountId, email: request.email }, "register", ctx);
  };
}
