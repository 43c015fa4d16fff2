import type { MessageContext, SessionsRevoked } from "@tessera/contracts";
import { requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { SessionNotFoundError } from "../domain/errors.ts";
import { findSessionIdByRefreshHash } from "../infra/sessions.ts";
import type { AuthDb } from "../infra/tables.ts";
import { hashRefreshToken } from "../infra/tokens.ts";
import { revokeSession, type SessionDeps } from "./sessions.ts";

/**
 * `svc.auth.sessions.logout`: ends the session of the refresh token when it is the caller's. An unknown,
 * revoked or foreign token changes nothing and answers the same to the client, so logout reveals
 * nothing; the gateway alone learns which session (if any) ended.
 */
export function logout(deps: Pick<SessionDeps, "store" | "clock"> & { db: Kysely<AuthDb> }) {
  return async (request: { refreshToken: string }, ctx: MessageContext): Promise<SessionsRevoked> => {
    const actor = requireUser(ctx);
    const sessionId = await findSessionIdByRefreshHash(deps.db, hashRefreshToken(request.refreshToken));
    if (!sessionId) return { revokedSessionIds: [] };
    try {
      await revokeSession(deps, sessionId, { reason: "logout", onBehalfOf: actor }, ctx);
    } catch (error) {
      if (!(error instanceof SessionNotFoundError)) throw error;
      return { revokedSessionIds: [] };
    }
    return { revokedSessionIds: [sessionId] };
  };
}
