import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import type { AccountEvent, LinkRequestedData } from "../src/domain/account.ts";
import { type AccountCommand, accountDecider, type LinkIssue } from "../src/domain/decide.ts";
import {
  AccountAlreadyRegisteredError,
  AccountNotFoundError,
  ResetTokenInvalidError,
  VerificationTokenInvalidError,
} from "../src/domain/errors.ts";

const now = new Date("2026-11-21T12:00:00.000Z");
const at = (ms: number) => ({ now: new Date(now.getTime() + ms) });
const accountId = "0b5c8a8e-4a52-4f57-9d0e-3d7f6d1a2b3c";
const passwordHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
const newHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bmV3";
const encrypted = { keyId: "k1", algorithm: "A256GCM" as const, ciphertext: "Y2lwaGVy" };
const HOUR = 3_600_000;

const link = (tokenHash: string, lifetimeMs: number): LinkIssue => ({
  tokenHash,
  token: encrypted,
  lifetimeMs,
});
const requested = (tokenHash: string, lifetimeMs: number): LinkRequestedData => ({
  accountId,
  recipient: "Ada@Example.com",
  token: encrypted,
  tokenHash,
  requestedAt: now.toISOString(),
  expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
});

const register: AccountCommand = {
  type: "RegisterAccount",
  data: { accountId, email: "Ada@Example.com", passwordHash, verification: link("v1", 48 * HOUR) },
  meta: { now },
};
const registered: AccountEvent = {
  type: "auth.account.registered",
  data: { accountId, email: "Ada@Example.com", passwordHash, registeredAt: now.toISOString() },
};
const verificationRequested: AccountEvent = {
  type: "auth.email.verification_requested",
  data: requested("v1", 48 * HOUR),
};
const resetRequested: AccountEvent = {
  type: "auth.password.reset_requested",
  data: requested("r1", HOUR / 2),
};

describe("account decider", () => {
  it("registers a new account with the email as typed and asks for its verification", () => {
    const { state } = given(accountDecider, []).when(register).then([registered, verificationRequested]);
    expect(state).toMatchObject({ status: "active", email: "Ada@Example.com", emailVerified: false });
  });

  it("refuses to register the same account twice", () => {
    given(accountDecider, [registered]).when(register).thenThrows(AccountAlreadyRegisteredError);
  });

  it("verifies the email with an outstanding verification token, once", () => {
    const verify: AccountCommand = { type: "VerifyEmail", data: { tokenHash: "v1" }, meta: at(HOUR) };
    const verified: AccountEvent = {
      type: "auth.email.verified",
      data: { accountId, tokenHash: "v1", verifiedAt: at(HOUR).now.toISOString() },
    };
    const { state } = given(accountDecider, [registered, verificationRequested])
      .when(verify)
      .then([verified]);
    expect(state).toMatchObject({ emailVerified: true });
    given(accountDecider, [registered, verificationRequested, verified])
      .when(verify)
      .thenThrows(VerificationTokenInvalidError);
  });

  it("refuses an expired verification token and a reset token used for verification", () => {
    given(accountDecider, [registered, verificationRequested])
      .when({ type: "VerifyEmail", data: { tokenHash: "v1" }, meta: at(48 * HOUR) })
      .thenThrows(VerificationTokenInvalidError);
    given(accountDecider, [registered, resetRequested])
      .when({ type: "VerifyEmail", data: { tokenHash: "r1" }, meta: at(1) })
      .thenThrows(VerificationTokenInvalidError);
  });

  it("records a reset request only for an existing account", () => {
    const request: AccountCommand = {
      type: "RequestPasswordReset",
      data: { link: link("r1", HOUR / 2) },
      meta: { now },
    };
    given(accountDecider, [registered]).when(request).then([resetRequested]);
    given(accountDecider, []).when(request).thenThrows(AccountNotFoundError);
  });

  it("resets the password with a live reset token and then refuses the same token", () => {
    const reset: AccountCommand = {
      type: "ResetPassword",
      data: { tokenHash: "r1", passwordHash: newHash },
      meta: at(60_000),
    };
    const changed: AccountEvent = {
      type: "auth.password.changed",
      data: {
        accountId,
        via: "reset",
        passwordHash: newHash,
        tokenHash: "r1",
        changedAt: at(60_000).now.toISOString(),
      },
    };
    const { state } = given(accountDecider, [registered, resetRequested]).when(reset).then([changed]);
    expect(state).toMatchObject({ passwordHash: newHash });
    given(accountDecider, [registered, resetRequested, changed])
      .when(reset)
      .thenThrows(ResetTokenInvalidError);
  });

  it("refuses an expired, unknown or verification token for a reset", () => {
    const reset = (tokenHash: string, ms: number): AccountCommand => ({
      type: "ResetPassword",
      data: { tokenHash, passwordHash: newHash },
      meta: at(ms),
    });
    const history = [registered, verificationRequested, resetRequested];
    given(accountDecider, history)
      .when(reset("r1", HOUR / 2))
      .thenThrows(ResetTokenInvalidError);
    given(accountDecider, history).when(reset("nope", 1)).thenThrows(ResetTokenInvalidError);
    given(accountDecider, history).when(reset("v1", 1)).thenThrows(ResetTokenInvalidError);
  });

  it("voids outstanding reset tokens when the password is changed", () => {
    const changed: AccountEvent = {
      type: "auth.password.changed",
      data: { accountId, via: "change", passwordHash: newHash, changedAt: at(1).now.toISOString() },
    };
    given(accountDecider, [registered, resetRequested])
      .when({ type: "ChangePassword", data: { passwordHash: newHash }, meta: at(1) })
      .then([changed]);
    given(accountDecider, [registered, resetRequested, changed])
      .when({ type: "ResetPassword", data: { tokenHash: "r1", passwordHash: passwordHash }, meta: at(2) })
      .thenThrows(ResetTokenInvalidError);
  });
});
