import type { SessionMethod, SessionRevokeReason } from "@tessera/contracts";
import type { CommandMeta } from "./decide.ts";
import {
  InvalidRefreshTokenError,
  RefreshReusedError,
  SessionAlreadyStartedError,
  SessionNotFoundError,
} from "./errors.ts";
import { evolveSession, initialSessionState, type SessionEvent, type SessionState } from "./session.ts";

export type SessionCommand =
  | {
      type: "StartSession";
      data: {
        sessionId: string;
        accountId: string;
        familyId: string;
        method: SessionMethod;
        refreshTokenHash: string;
        /** Absolute lifetime of the refresh-token family, in ms. */
        lifetimeMs: number;
      };
      meta: CommandMeta;
    }
  | {
      type: "RefreshSession";
      data: {
        presentedTokenHash: string;
        newTokenHash: string;
        /** A session unused for this long has ended, in ms. */
        idleLifetimeMs: number;
      };
      meta: CommandMeta;
    }
  | {
      type: "RevokeSession";
      data: {
        reason: SessionRevokeReason;
        /** When set, only this account's session may be revoked; any other is "not found". */
        onBehalfOf?: string;
      };
      meta: CommandMeta;
    };

type KnownSession = Exclude<SessionState, { status: "absent" }>;

function isExpired(state: KnownSession, now: Date, idleLifetimeMs: number): boolean {
  const at = now.getTime();
  return at >= Date.parse(state.expiresAt) || at >= Date.parse(state.lastUsedAt) + idleLifetimeMs;
}

/**
 * Refresh: the current token rotates; a rotated-out token coming back means two parties hold the
 * family, so it is revoked as compromised (the caller answers `auth.refresh_reused`). Expired and
 * revoked sessions refuse without events.
 */
function decideRefresh(
  command: Extract<SessionCommand, { type: "RefreshSession" }>,
  state: SessionState,
): SessionEvent[] {
  if (state.status === "absent") throw new InvalidRefreshTokenError();
  const { presentedTokenHash, newTokenHash, idleLifetimeMs } = command.data;
  const now = command.meta.now;
  if (state.rotatedTokenHashes.includes(presentedTokenHash)) {
    if (state.status === "revoked") throw new RefreshReusedError();
    return [
      {
        type: "auth.session.compromised",
        data: {
          sessionId: state.sessionId,
          accountId: state.accountId,
          familyId: state.familyId,
          reusedTokenHash: presentedTokenHash,
          detectedAt: now.toISOString(),
        },
      },
    ];
  }
  if (state.status === "revoked" || presentedTokenHash !== state.currentTokenHash) {
    throw new InvalidRefreshTokenError();
  }
  if (isExpired(state, now, idleLifetimeMs)) throw new InvalidRefreshTokenError();
  return [
    {
      type: "auth.session.refreshed",
      data: {
        sessionId: state.sessionId,
        accountId: state.accountId,
        previousTokenHash: presentedTokenHash,
        refreshTokenHash: newTokenHash,
        refreshedAt: now.toISOString(),
      },
    },
  ];
}

export function decideSession(command: SessionCommand, state: SessionState): SessionEvent[] {
  switch (command.type) {
    case "StartSession": {
      if (state.status !== "absent") throw new SessionAlreadyStartedError(command.data.sessionId);
      const { lifetimeMs, ...data } = command.data;
      const now = command.meta.now;
      return [
        {
          type: "auth.session.started",
          data: {
            ...data,
            startedAt: now.toISOString(),
            expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
          },
        },
      ];
    }
    case "RefreshSession":
      return decideRefresh(command, state);
    case "RevokeSession": {
      const { onBehalfOf, reason } = command.data;
      if (state.status === "absent" || (onBehalfOf !== undefined && onBehalfOf !== state.accountId)) {
        throw new SessionNotFoundError();
      }
      if (state.status === "revoked") return [];
      return [
        {
          type: "auth.session.revoked",
          data: {
            sessionId: state.sessionId,
            accountId: state.accountId,
            reason,
            revokedAt: command.meta.now.toISOString(),
          },
        },
      ];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const sessionDecider = {
  decide: decideSession,
  evolve: evolveSession,
  initialState: initialSessionState,
};
