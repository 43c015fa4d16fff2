import type { MessageContext, TokenPair } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { InvalidRefreshTokenError, RefreshReusedError } from "../domain/errors.ts";
import { sessionStreamId } from "../domain/session.ts";
import { sessionDecider } from "../domain/session-decide.ts";
import { findAccountById } from "../infra/accounts.ts";
import { findSessionIdByRefreshHash, projectSessionEvents } from "../infra/sessions.ts";
import type { AuthDb } from "../infra/tables.ts";
import { hashRefreshToken, newRefreshToken } from "../infra/tokens.ts";
import { type SessionDeps, tokenPair } from "./sessions.ts";

/** Concurrent refreshes of one family collide on its stream version; each loser decides again. */
const REFRESH_RETRIES = 8;

/**
 * `svc.auth.sessions.refresh`: rotates the refresh token. A rotated-out token coming back revokes the family
 * (`auth.session.compromised`) and answers `auth.refresh_reused`. Parallel refreshes with one token
 * serialise on the session stream: one rotates, the next sees a reuse, so at most one family lives.
 */
export function refresh(deps: SessionDeps & { db: Kysely<AuthDb> }) {
  return async (request: { refreshToken: string }, ctx: MessageContext): Promise<TokenPair> => {
    const presentedTokenHash = hashRefreshToken(request.refreshToken);
    const sessionId = await findSessionIdByRefreshHash(deps.db, presentedTokenHash);
    if (!sessionId) throw new InvalidRefreshTokenError();
    const next = newRefreshToken();
    const now = deps.clock();
    const result = await handleCommand(
      deps.store,
      sessionDecider,
      sessionStreamId(sessionId),
      {
        type: "RefreshSession",
        data: { presentedTokenHash, newTokenHash: next.hash, idleLifetimeMs: deps.refreshIdleMs },
        meta: { now },
      },
      { inline: [projectSessionEvents], metadata: eventMetadata(ctx), retries: REFRESH_RETRIES },
    );
    if (result.events.some((event) => event.type === "auth.session.compromised"))
      throw new RefreshReusedError();
    if (result.state.status !== "active") throw new InvalidRefreshTokenError();
    const account = await findAccountById(deps.db, result.state.accountId);
    if (!account) throw new InvalidRefreshTokenError();
    return tokenPair(
      deps,
      { accountId: account.account_id, email: account.email },
      { sessionId, refreshToken: next.token },
      now,
    );
  };
}
