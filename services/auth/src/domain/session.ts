import { ConflictError } from "@tessera/contracts";
import type { CommandMeta } from "./decide.ts";

/**
 * A session: one refresh-token family, one stream (`session-<id>`).
 * The refresh token itself never exists here, only its hash.
 */
export type SessionEvent = {
  type: "auth.session.started";
  data: {
    sessionId: string;
    accountId: string;
    familyId: string;
    method: "register" | "password";
    refreshTokenHash: string;
    startedAt: string;
    expiresAt: string;
  };
};

export type SessionState = { status: "absent" } | { status: "active"; sessionId: string; accountId: string };

export type SessionCommand = {
  type: "StartSession";
  data: {
    sessionId: string;
    accountId: string;
    familyId: string;
    method: "register" | "password";
    refreshTokenHash: string;
    /** Absolute lifetime of the refresh-token family, in ms. */
    lifetimeMs: number;
  };
  meta: CommandMeta;
};

export class SessionAlreadyStartedError extends ConflictError {
  override name = "SessionAlreadyStartedError";
  constructor(sessionId: string) {
    super("auth.session_exists", `Session ${sessionId} already exists.`);
  }
}

export function decideSession(command: SessionCommand, state: SessionState): SessionEvent[] {
  switch (command.type) {
    case "StartSession": {
      if (state.status !== "absent") throw new SessionAlreadyStartedError(command.data.sessionId);
      const { lifetimeMs, ...data } = command.data;
      return [
        {
          type: "auth.session.started",
          data: {
            ...data,
            startedAt: command.meta.now.toISOString(),
            expiresAt: new Date(command.meta.now.getTime() + lifetimeMs).toISOString(),
          },
        },
      ];
    }
    default: {
      const unknown: never = command.type;
      return unknown;
    }
  }
}

export function evolveSession(_state: SessionState, event: SessionEvent): SessionState {
  switch (event.type) {
    case "auth.session.started":
      return { status: "active", sessionId: event.data.sessionId, accountId: event.data.accountId };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

export const sessionDecider = {
  decide: decideSession,
  evolve: evolveSession,
  initialState: (): SessionState => ({ status: "absent" }),
};

export function sessionStreamId(sessionId: string): string {
  return `session-${sessionId}`;
}
