import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import type { AccountEvent } from "../src/domain/account.ts";
import { type AccountCommand, accountDecider } from "../src/domain/decide.ts";
import { AccountAlreadyRegisteredError } from "../src/domain/errors.ts";
import { SessionAlreadyStartedError, type SessionCommand, sessionDecider } from "../src/domain/session.ts";

const now = new Date("2026-11-21T12:00:00.000Z");
const accountId = "0b5c8a8e-4a52-4f57-9d0e-3d7f6d1a2b3c";
const passwordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

const register: AccountCommand = {
  type: "RegisterAccount",
  data: { accountId, email: "Ada@Example.com", passwordHash },
  meta: { now },
};

const registered: AccountEvent = {
  type: "auth.account.registered",
  data: { accountId, email: "Ada@Example.com", passwordHash, registeredAt: "2026-11-21T12:00:00.000Z" },
};

describe("account decider", () => {
  it("registers a new account, keeping the email as typed and the time from the command", () => {
    const { state } = given(accountDecider, []).when(register).then([registered]);
    expect(state).toEqual({ status: "active", accountId, email: "Ada@Example.com", passwordHash });
  });

  it("refuses to register the same account twice", () => {
    given(accountDecider, [registered]).when(register).thenThrows(AccountAlreadyRegisteredError);
  });
});

describe("session decider", () => {
  const start: SessionCommand = {
    type: "StartSession",
    data: {
      sessionId: "5f0c7d2e-8d1b-4a3f-9c6e-2b1a0f9e8d7c",
      accountId,
      familyId: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
      method: "password",
      refreshTokenHash: "ab".repeat(32),
      lifetimeMs: 30 * 24 * 60 * 60 * 1000,
    },
    meta: { now },
  };

  const { lifetimeMs: _lifetime, ...data } = start.data;
  const started = {
    type: "auth.session.started" as const,
    data: { ...data, startedAt: "2026-11-21T12:00:00.000Z", expiresAt: "2026-12-21T12:00:00.000Z" },
  };

  it("starts a session whose refresh family expires after its absolute lifetime", () => {
    given(sessionDecider, []).when(start).then([started]);
  });

  it("refuses to start the same session twice", () => {
    given(sessionDecider, [started]).when(start).thenThrows(SessionAlreadyStartedError);
  });
});
