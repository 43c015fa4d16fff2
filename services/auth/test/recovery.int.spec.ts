import { jetstreamManager } from "@nats-io/jetstream";
import {
  accountsRegister,
  EventEnvelopeSchema,
  emailVerify,
  passwordForgot,
  passwordReset,
  sessionsLogin,
  sessionsRefresh,
  type TokenPair,
} from "@tessera/contracts";
import { decodeJwt } from "jose";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthHarness, ctx, decryptLinkToken, latestLinkToken, startAuth } from "./support.ts";

let h: AuthHarness;
let emails = 0;
const password = "a perfectly fine passphrase";
const newPassword = "a brand new passphrase";

beforeAll(async () => {
  h = await startAuth();
});

afterAll(async () => {
  await h?.stop();
});

const register = (): Promise<TokenPair> =>
  h.caller.request(accountsRegister, { email: `r${++emails}@example.com`, password }, ctx());
const forgot = (email: string) => h.caller.request(passwordForgot, { email }, ctx());
const reset = (token: string, chosen = newPassword) =>
  h.caller.request(passwordReset, { token, newPassword: chosen }, ctx());

const sessionOf = (pair: TokenPair) => String(decodeJwt(pair.accessToken).sid);

async function resetTokenFor(pair: TokenPair): Promise<string> {
  await forgot(pair.user.email);
  return latestLinkToken(h, pair.user.id, "password-reset");
}

describe("password reset", () => {
  it("accepts a forgot-password request alike for a known and an unknown email", async () => {
    const pair = await register();
    await expect(forgot(pair.user.email)).resolves.toBeNull();
    await expect(forgot("nobody-here@example.com")).resolves.toBeNull();
  });

  it("resets the password with the emailed token and revokes every session, naming them to the gateway", async () => {
    const pair = await register();
    const other = await h.caller.request(sessionsLogin, { email: pair.user.email, password }, ctx());
    const token = await resetTokenFor(pair);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
    const answer = await reset(token);
    expect([...answer.revokedSessionIds].sort()).toEqual([sessionOf(pair), sessionOf(other)].sort());
    for (const session of [pair, other]) {
      await expect(
        h.caller.request(sessionsRefresh, { refreshToken: session.refreshToken }, ctx()),
      ).rejects.toMatchObject({
        code: "auth.invalid_refresh_token",
      });
    }
    await expect(
      h.caller.request(sessionsLogin, { email: pair.user.email, password: newPassword }, ctx()),
    ).resolves.toBeDefined();
  });

  it("refuses a used token with the same 400 as an unknown one", async () => {
    const pair = await register();
    const token = await resetTokenFor(pair);
    await reset(token);
    const used = await reset(token, "yet another passphrase").catch((error: unknown) => error);
    const unknown = await reset("B".repeat(43), "yet another passphrase").catch((error: unknown) => error);
    for (const failure of [used, unknown]) {
      expect(failure).toMatchObject({ status: 400, code: "auth.reset_token_invalid" });
    }
    expect(JSON.stringify(used)).toBe(JSON.stringify(unknown));
  });

  it("refuses a token after its 30 minutes", async () => {
    const pair = await register();
    const token = await resetTokenFor(pair);
    h.advanceClock(30 * 60 * 1000 + 1000);
    try {
      await expect(reset(token)).rejects.toMatchObject({ status: 400, code: "auth.reset_token_invalid" });
    } finally {
      h.advanceClock(-(30 * 60 * 1000 + 1000));
    }
  });

  it("refuses a common new password before looking at the token", async () => {
    await expect(reset("C".repeat(43), "password1")).rejects.toMatchObject({
      status: 400,
      code: "auth.password_too_common",
      errors: [{ field: "newPassword", message: expect.any(String) }],
    });
  });

  it("keeps only the token's hash and publishes the token encrypted for outbound", async () => {
    const pair = await register();
    const token = await resetTokenFor(pair);
    const { rows } = await sql<{ text: string }>`
      select string_agg(data::text, ' ') as text from auth.events
    `.execute(h.auth.database.db);
    expect(rows[0]?.text).not.toContain(token);
    const jsm = await jetstreamManager(h.nc);
    const names = h.caller.names;
    let data: Record<string, unknown> | undefined;
    for (let tries = 0; tries < 100 && !data; tries++) {
      const message = await jsm.streams
        .getMessage(names.eventStream("auth"), {
          last_by_subj: names.subject("evt.auth.password.reset_requested"),
        })
        .catch(() => null);
      const envelope = message ? EventEnvelopeSchema.parse(message.json()) : undefined;
      const candidate = envelope?.data as Record<string, unknown> | undefined;
      if (candidate?.accountId === pair.user.id) data = candidate;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Object.keys(data ?? {}).sort()).toEqual([
      "accountId",
      "expiresAt",
      "recipient",
      "requestedAt",
      "token",
    ]);
    expect(data?.recipient).toBe(pair.user.email);
    const encrypted = data?.token as { keyId: string; ciphertext: string };
    expect(decryptLinkToken(encrypted, "password-reset", pair.user.id)).toBe(token);
    expect(() => decryptLinkToken(encrypted, "email-verification", pair.user.id)).toThrow();
  });
});

describe("email verification", () => {
  it("issues a verification link at registration that verifies the email once", async () => {
    const pair = await register();
    const token = await latestLinkToken(h, pair.user.id, "email-verification");
    const verifiedAt = async () => {
      const { rows } = await sql<{ email_verified_at: Date | null }>`
        select email_verified_at from auth.accounts where account_id = ${pair.user.id}
      `.execute(h.auth.database.db);
      return rows[0]?.email_verified_at;
    };
    expect(await verifiedAt()).toBeNull();
    await expect(h.caller.request(emailVerify, { token }, ctx())).resolves.toBeNull();
    expect(await verifiedAt()).toBeInstanceOf(Date);
    await expect(h.caller.request(emailVerify, { token }, ctx())).rejects.toMatchObject({
      status: 400,
      code: "auth.verification_token_invalid",
    });
  });

  it("refuses a reset token as a verification token", async () => {
    const pair = await register();
    const token = await resetTokenFor(pair);
    await expect(h.caller.request(emailVerify, { token }, ctx())).rejects.toMatchObject({ status: 400 });
  });
});
