import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import type { AccountEvent } from "../src/domain/account.ts";
import { type AccountCommand, accountDecider, type ProviderIdentity } from "../src/domain/decide.ts";
import {
  AccountNotFoundError,
  OAuthEmailRequiredError,
  OAuthLinkRequiredError,
  ResetTokenInvalidError,
} from "../src/domain/errors.ts";

const now = new Date("2026-11-22T08:00:00.000Z");
const meta = { now };
const accountId = "7d1c4a52-1b7e-4f57-9d0e-3d7f6d1a2b3c";
const encrypted = { keyId: "k1", algorithm: "A256GCM" as const, ciphertext: "Y2lwaGVy" };
const verification = { tokenHash: "v1", token: encrypted, lifetimeMs: 3_600_000 };
const registered: AccountEvent = {
  type: "auth.account.registered",
  data: { accountId, email: "ada@example.com", passwordHash: "$argon2id$x", registeredAt: now.toISOString() },
};
const verified: AccountEvent = {
  type: "auth.email.verified",
  data: { accountId, tokenHash: "v1", verifiedAt: now.toISOString() },
};
const identity = (emailVerified: boolean): ProviderIdentity => ({
  provider: "acme",
  issuer: "https://id.acme.test",
  subject: "248289761001",
  email: "ada@example.com",
  emailVerified,
  name: "Ada",
});
const linked = (emailVerified: boolean, via: "sign-up" | "link" | "verified-email"): AccountEvent => ({
  type: "auth.identity.linked",
  data: { accountId, ...identity(emailVerified), via, linkedAt: now.toISOString() },
});
const erase: AccountCommand = { type: "EraseAccount", data: {}, meta };
const erased: AccountEvent = {
  type: "auth.account.erased",
  data: { accountId, erasedAt: now.toISOString() },
};

describe("account erasure", () => {
  it("erases an active account once and ignores a repeated erasure", () => {
    const { state } = given(accountDecider, [registered]).when(erase).then([erased]);
    expect(state).toEqual({ status: "erased", accountId });
    given(accountDecider, [registered, erased]).when(erase).then([]);
    given(accountDecider, []).when(erase).then([]);
  });

  it("replays an erased account whose sealed fields read as placeholders and refuses it everything", () => {
    const sealed: AccountEvent = {
      type: "auth.account.registered",
      data: { accountId, email: "[erased]", passwordHash: "[erased]", registeredAt: now.toISOString() },
    };
    given(accountDecider, [sealed, erased])
      .when({ type: "ChangePassword", data: { passwordHash: "$argon2id$y" }, meta })
      .thenThrows(AccountNotFoundError);
    given(accountDecider, [sealed, erased])
      .when({ type: "ResetPassword", data: { tokenHash: "r1", passwordHash: "$argon2id$y" }, meta })
      .thenThrows(ResetTokenInvalidError);
    given(accountDecider, [sealed, erased])
      .when({ type: "LinkIdentity", data: { identity: identity(true), via: "link" }, meta })
      .thenThrows(AccountNotFoundError);
  });
});

describe("provider identities", () => {
  it("makes a passwordless account for a new identity, verified when the provider says so", () => {
    given(accountDecider, [])
      .when({
        type: "RegisterOAuthAccount",
        data: { accountId, identity: identity(true), verification },
        meta,
      })
      .then([
        {
          type: "auth.account.registered",
          data: { accountId, email: "ada@example.com", registeredAt: now.toISOString() },
        },
        linked(true, "sign-up"),
        { type: "auth.email.verified", data: { accountId, verifiedAt: now.toISOString() } },
      ]);
    const { events, state } = given(accountDecider, [])
      .when({
        type: "RegisterOAuthAccount",
        data: { accountId, identity: identity(false), verification },
        meta,
      })
      .then([
        {
          type: "auth.account.registered",
          data: { accountId, email: "ada@example.com", registeredAt: now.toISOString() },
        },
        linked(false, "sign-up"),
        {
          type: "auth.email.verification_requested",
          data: {
            accountId,
            recipient: "ada@example.com",
            token: encrypted,
            tokenHash: "v1",
            requestedAt: now.toISOString(),
            expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
          },
        },
      ]);
    expect(events).toHaveLength(3);
    expect(state).toMatchObject({ status: "active", passwordHash: null, emailVerified: false });
  });

  it("refuses a provider sign-up without an email", () => {
    const { email: _email, ...withoutEmail } = identity(true);
    given(accountDecider, [])
      .when({ type: "RegisterOAuthAccount", data: { accountId, identity: withoutEmail, verification }, meta })
      .thenThrows(OAuthEmailRequiredError);
  });

  it("auto-links by email only when both the provider and the account verified it", () => {
    const autoLink = (emailVerified: boolean): AccountCommand => ({
      type: "LinkIdentity",
      data: { identity: identity(emailVerified), via: "verified-email" },
      meta,
    });
    given(accountDecider, [registered, verified])
      .when(autoLink(true))
      .then([linked(true, "verified-email")]);
    // The pre-account-takeover cases: an attacker registered the email first, or the provider did not check it.
    given(accountDecider, [registered]).when(autoLink(true)).thenThrows(OAuthLinkRequiredError);
    given(accountDecider, [registered, verified]).when(autoLink(false)).thenThrows(OAuthLinkRequiredError);
  });

  it("links for a signed-in owner whatever the emails say, and only once", () => {
    const link: AccountCommand = {
      type: "LinkIdentity",
      data: { identity: identity(false), via: "link" },
      meta,
    };
    given(accountDecider, [registered])
      .when(link)
      .then([linked(false, "link")]);
    given(accountDecider, [registered, linked(false, "link")])
      .when(link)
      .then([]);
  });
});
