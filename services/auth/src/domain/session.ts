import type { SessionMethod, SessionRevokeReason } from "@tessera/contracts";

/**
 * A session: one refresh-token family, one stream (`session-<id>`).
 * Refresh tokens never exist here, only their hashes; every rotated-out hash is remembered so a
 * reuse is recognised.
 */
export type SessionEvent =
  | {
      type: "auth.session.started";
      data: {
        sessionId: string;
        accountId: string;
        familyId: string;
        method: SessionMethod;
        refreshTokenHash: string;
        startedAt: string;
        expiresAt: string;
      };
    }
  | {
      type: "auth.session.refreshed";
      data: {
        sessionId: string;
        accountId: string;
        previousTokenHash: string;
        refreshTokenHash: string;
        refreshedAt: string;
      };
    }
  | {
      type: "auth.session.revoked";
      data: { sessionId: string; accountId: string; reason: SessionRevokeReason; revokedAt: string };
    }
  | {
      type: "auth.session.compromised";
      data: {
        sessionId: string;
        accountId: string;
        familyId: string;
        reusedTokenHash: string;
        detectedAt: string;
      };
    };

export type SessionState =
  | { status: "absent" }
  | {
      status: "active" | "revoked";
      sessionId: string;
      accountId: string;
      familyId: string;
      currentTokenHash: string;
      rotatedTokenHashes: readonly string[];
      expiresAt: string;
      lastUsedAt: string;
    };

export function evolveSession(state: SessionState, event: SessionEvent): SessionState {
  if (event.type === "auth.session.started") {
    return {
      status: "active",
      sessionId: event.data.sessionId,
      accountId: event.data.accountId,
      familyId: event.data.familyId,
      currentTokenHash: event.data.refreshTokenHash,
      rotatedTokenHashes: [],
      expiresAt: event.data.expiresAt,
      lastUsedAt: event.data.startedAt,
    };
  }
  if (state.status === "absent") return state;
  switch (event.type) {
    case "auth.session.refreshed":
      return {
        ...state,
        currentTokenHash: event.data.refreshTokenHash,
        rotatedTokenHashes: [...state.rotatedTokenHashes, event.data.previousTokenHash],
        lastUsedAt: event.data.refreshedAt,
      };
    case "auth.session.revoked":
    case "auth.session.compromised":
      return { ...state, status: "revoked" };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function initialSessionState(): SessionState {
  return { status: "absent" };
}

export function sessionStreamId(sessionId: string): string {
  return `session-${sessionId}`;
}
