import { accountsRegister, passwordChange, passwordReset, sessionsLogin } from "@tessera/contracts";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthHarness, ctx, type RawReply, rawRequest, startAuth } from "./support.ts";

let h: AuthHarness;
const password = "a perfectly fine passphrase";
const LONE_HIGH = "correct horse \uD800 staple";
const LONE_LOW = "\uDC00 correct horse staple";

beforeAll(async () => {
  h = await startAuth();
});

afterAll(async () => {
  await h?.stop();
});

function expectRefusedOn(reply: RawReply, field: string): void {
  expect(reply).toMatchObject({ ok: false, error: { status: 400, code: "validation.failed" } });
  expect(reply.error?.errors?.map((error) => error.field)).toContain(field);
}

describe.each([
  ["a lone high surrogate", LONE_HIGH],
  ["a lone low surrogate", LONE_LOW],
])("a password with %s", (_kind, bad) => {
  it("is refused with 400 on the password field at sign-up and at login", async () => {
    expectRefusedOn(
      await rawRequest(h, accountsRegister, { email: `reg.${Date.now()}@example.com`, password: bad }, ctx()),
      "password",
    );
    expectRefusedOn(
      await rawRequest(h, sessionsLogin, { email: "anyone@example.com", password: bad }, ctx()),
      "password",
    );
  });

  it("is refused with 400 as the current or the new password of a change, and as a reset's new one", async () => {
    const pair = await h.caller.request(
      accountsRegister,
      { email: `change.${Date.now()}.${bad.length}@example.com`, password },
      ctx(),
    );
    const claims = decodeJwt(pair.accessToken);
    const caller = () => ctx({ actor: String(claims.sub), sessionId: String(claims.sid) });
    expectRefusedOn(
      await rawRequest(
        h,
        passwordChange,
        { currentPassword: bad, newPassword: "a fine new passphrase" },
        caller(),
      ),
      "currentPassword",
    );
    expectRefusedOn(
      await rawRequest(h, passwordChange, { currentPassword: password, newPassword: bad }, caller()),
      "newPassword",
    );
    expectRefusedOn(
      await rawRequest(h, passwordReset, { token: "A".repeat(43), newPassword: bad }, ctx()),
      "newPassword",
    );
    // The password is unchanged: the well-formed one still signs in.
    await expect(
      h.caller.request(sessionsLogin, { email: pair.user.email, password }, ctx()),
    ).resolves.toMatchObject({ user: pair.user });
  });
});
