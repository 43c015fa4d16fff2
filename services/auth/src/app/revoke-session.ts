import type { MessageContext, SessionsRevoked } from "@tessera/contracts";
import { requireUser } from "@tessera/service-kit";
import { revokeSession, type SessionDeps } from "./sessions.ts";

/** `svc.auth.sessions.revoke`: the caller's own session only; another user's is 404. */
export function revokeOwnSession(deps: Pick<SessionDeps, "store" | "clock">) {
  return async (request: { sessionId: string }, ctx: MessageContext): Promise<SessionsRevoked> => {
    const actor = requireUser(ctx);
    await revokeSession(deps, request.sessionId, { reason: "revoked", onBehalfOf: actor }, ctx);
    return { revokedSessionIds: [request.sessionId] };
  };
}
