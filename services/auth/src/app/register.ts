import { randomUUID } from "node:crypto";
import type { Credentials, MessageContext, TokenPair } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { accountStreamId } from "../domain/account.ts";
import { accountDecider } from "../domain/decide.ts";
import { projectAccountEvents } from "../infra/accounts.ts";
import type { PasswordHasher } from "../infra/passwords.ts";
import { eventMetadata } from "./metadata.ts";
import { type SessionDeps, startSession } from "./sessions.ts";

/** `svc.auth.register`: hash, append `auth.account.registered` (email unique inline), start a session. */
export function register(deps: SessionDeps & { hasher: PasswordHasher }) {
  return async (request: Credentials, ctx: MessageContext): Promise<TokenPair> => {
    const accountId = randomUUID();
    const passwordHash = await deps.hasher.hash(request.password);
    await handleCommand(
      deps.store,
      accountDecider,
      accountStreamId(accountId),
      {
        type: "RegisterAccount",
        data: { accountId, email: request.email, passwordHash },
        meta: { now: deps.clock() },
      },
      { inline: [projectAccountEvents], metadata: eventMetadata(ctx, accountId) },
    );
    return startSession(deps, { accountId, email: request.email }, "register", ctx);
  };
}
