import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import {
  InvalidRefreshTokenError,
  RefreshReusedError,
  SessionAlreadyStartedError,
  SessionNotFoundError,
} from "../src/domain/errors.ts";
import type { SessionEvent } from "../src/domain/session.ts";
import { type SessionCommand, sessionDecider } from "../src/domain/session-decide.ts";

const now = new Date("2026-11-21T12:00:00.000Z");
const DAY = 24 * 60 * 60 * 1000;
const at = (ms: number) => ({ now: new Date(now.getTime() + ms) });
const iso = (ms: number) => at(ms).now.toISOString();
const sessionId = "5f0c7d2e-8d1b-4a3f-9c6e-2b1a0f9e8d7c";
const accountId = "0b5c8a8e-4a52-4f57-9d0e-3d7f6d1a2b3c";
const familyId = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

const start: SessionCommand = {
  type: "StartSession",
  data: { sessionId, accountId, familyId, method: "password", refreshTokenHash: "h0", lifetimeMs: 30 * DAY },
  meta: { now },
};
const started: SessionEvent = {
  type: "auth.session.started",
  data: {
    sessionId,
    accountId,
    familyId,
    method: "password",
    refreshTokenHash: "h0",
    startedAt: iso(0),
    expiresAt: iso(30 * DAY),
  },
};
const refresh = (presented: string, next: string, ms: number): SessionCommand => ({
  type: "RefreshSession",
  data: { presentedTokenHash: presented, newTokenHash: next, idleLifetimeMs: 7 * DAY },
  meta: at(ms),
});
const refreshed = (previous: string, next: string, ms: number): SessionEvent => ({
  type: "auth.session.refreshed",
  data: { sessionId, accountId, previousTokenHash: previous, refreshTokenHash: next, refreshedAt: iso(ms) },
});

describe("session decider", () => {
  it("starts a session whose refresh family expires after its absolute lifetime", () => {
    given(sessionDecider, []).when(start).then([started]);
  });

  it("refuses to start the same session twice", () => {
    given(sessionDecider, [started]).when(start).thenThrows(SessionAlreadyStartedError);
  });

  it("rotates the current refresh token on every use", () => {
    const { state } = given(sessionDecider, [started])
      .when(refresh("h0", "h1", DAY))
      .then([refreshed("h0", "h1", DAY)]);
    expect(state).toMatchObject({ status: "active", currentTokenHash: "h1", rotatedTokenHashes: ["h0"] });
    given(sessionDecider, [started, refreshed("h0", "h1", DAY)])
      .when(refresh("h1", "h2", 2 * DAY))
      .then([refreshed("h1", "h2", 2 * DAY)]);
  });

  it("revokes the whole family as compromised when a rotated refresh token is reused", () => {
    const { state } = given(sessionDecider, [started, refreshed("h0", "h1", DAY)])
      .when(refresh("h0", "h9", 2 * DAY))
      .then([
        {
          type: "auth.session.compromised",
          data: { sessionId, accountId, familyId, reusedTokenHash: "h0", detectedAt: iso(2 * DAY) },
        },
      ]);
    expect(state.status).toBe("revoked");
  });

  it("answers a reuse on a family already revoked without new events", () => {
    const revoked: SessionEvent = {
      type: "auth.session.revoked",
      data: { sessionId, accountId, reason: "logout", revokedAt: iso(DAY) },
    };
    given(sessionDecider, [started, refreshed("h0", "h1", 1), revoked])
      .when(refresh("h0", "h9", 2 * DAY))
      .thenThrows(RefreshReusedError);
    given(sessionDecider, [started, refreshed("h0", "h1", 1), revoked])
      .when(refresh("h1", "h9", 2 * DAY))
      .thenThrows(InvalidRefreshTokenError);
  });

  it("refuses a refresh past the idle lifetime, even within the absolute one", () => {
    given(sessionDecider, [started])
      .when(refresh("h0", "h1", 7 * DAY))
      .thenThrows(InvalidRefreshTokenError);
    given(sessionDecider, [started, refreshed("h0", "h1", 6 * DAY)])
      .when(refresh("h1", "h2", 12 * DAY))
      .then([refreshed("h1", "h2", 12 * DAY)]);
  });

  it("refuses a refresh past the absolute lifetime, however recently used", () => {
    const history = [started, refreshed("h0", "h1", 24 * DAY), refreshed("h1", "h2", 29 * DAY)];
    given(sessionDecider, history)
      .when(refresh("h2", "h3", 30 * DAY))
      .thenThrows(InvalidRefreshTokenError);
  });

  it("refuses a refresh of an unknown session", () => {
    given(sessionDecider, [])
      .when(refresh("h0", "h1", 1))
      .thenThrows(InvalidRefreshTokenError);
  });

  it("revokes a session for its owner, once, and hides it from anyone else", () => {
    const revoke = (onBehalfOf: string): SessionCommand => ({
      type: "RevokeSession",
      data: { reason: "revoked", onBehalfOf },
      meta: at(5),
    });
    const revoked: SessionEvent = {
      type: "auth.session.revoked",
      data: { sessionId, accountId, reason: "revoked", revokedAt: iso(5) },
    };
    given(sessionDecider, [started]).when(revoke(accountId)).then([revoked]);
    given(sessionDecider, [started, revoked]).when(revoke(accountId)).then([]);
    given(sessionDecider, [started]).when(revoke(familyId)).thenThrows(SessionNotFoundError);
    given(sessionDecider, []).when(revoke(accountId)).thenThrows(SessionNotFoundError);
  });

  it("refuses to refresh a revoked session with its current token", () => {
    const revoked: SessionEvent = {
      type: "auth.session.revoked",
      data: { sessionId, accountId, reason: "password_reset", revokedAt: iso(1) },
    };
    given(sessionDecider, [started, revoked])
      .when(refresh("h0", "h1", 2))
      .thenThrows(InvalidRefreshTokenError);
  });
});
