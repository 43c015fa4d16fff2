import { randomUUID } from "node:crypto";
import { accountsGet, accountsRegister, emailVerify } from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthHarness, ctx, latestLinkToken, startAuth } from "./support.ts";

let h: AuthHarness;

beforeAll(async () => {
  h = await startAuth();
});

afterAll(async () => {
  await h?.stop();
});

describe("svc.auth.accounts.get", () => {
  it("tells the account itself and the platform what its registration said and whether the email is verified", async () => {
    const email = `Reader.${randomUUID().slice(0, 8)}@Example.com`;
    const pair = await h.caller.request(
      accountsRegister,
      { email, password: "a perfectly fine passphrase", displayName: "Ada Reader" },
      ctx(),
    );
    const accountId = pair.user.id;
    const expected = {
      accountId,
      email,
      displayName: "Ada Reader",
      registeredAt: expect.any(String),
      emailVerified: false,
    };
    expect(await h.caller.request(accountsGet, { accountId }, ctx({ actor: accountId }))).toEqual(expected);
    expect(await h.caller.request(accountsGet, { accountId }, ctx({ actor: "system:user" }))).toEqual(
      expected,
    );

    const token = await latestLinkToken(h, accountId, "email-verification");
    await h.caller.request(emailVerify, { token }, ctx());
    expect(await h.caller.request(accountsGet, { accountId }, ctx({ actor: accountId }))).toMatchObject({
      emailVerified: true,
    });
  });

  it("answers 404 for another user's account, an unknown one and an anonymous caller alike", async () => {
    const pair = await h.caller.request(
      accountsRegister,
      { email: `other.${randomUUID().slice(0, 8)}@example.com`, password: "a perfectly fine passphrase" },
      ctx(),
    );
    for (const [accountId, actor] of [
      [pair.user.id, randomUUID()],
      [randomUUID(), "system:user"],
      [pair.user.id, undefined],
    ] as const) {
      await expect(
        h.caller.request(accountsGet, { accountId }, ctx(actor ? { actor } : {})),
      ).rejects.toMatchObject({ status: 404, code: "auth.account_not_found" });
    }
  });
});
