import { createDecipheriv, randomBytes } from "node:crypto";
import { linkTokenAad, ProblemSchema, SessionPageSchema, TokenPairSchema } from "@tessera/contracts";
import { TEST_PASSWORD as password, stackClient, uniqueEmail } from "@tessera/testing";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { useStack } from "../support/stack.ts";

const linkKey = randomBytes(32);
const stack = useStack({ env: { AUTH_LINK_TOKEN_KEY: `e2e-1:${linkKey.toString("base64url")}` } });
const { call, eventually, post, register } = stackClient(() => stack.gatewayUrl);

/** What `outbound` does with `evt.auth.email.verification_requested`: decrypt the link token. */
async function verificationToken(accountId: string): Promise<string> {
  const { rows } = await sql<{ data: { token: { ciphertext: string } } }>`
    select data from auth.events where stream_id = ${`account-${accountId}`}
    and type = 'auth.email.verification_requested'
  `.execute(stack.database.db);
  const bytes = Buffer.from(rows[0]?.data.token.ciphertext ?? "", "base64url");
  const decipher = createDecipheriv("aes-256-gcm", linkKey, bytes.subarray(0, 12));
  decipher.setAAD(Buffer.from(linkTokenAad("email-verification", accountId)));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString();
}

describe("sign-up through the gateway", () => {
  it("takes an optional display name, which the profile then shows, trimmed", async () => {
    const email = uniqueEmail("named");
    const created = await post("/v1/auth/register", { email, password, displayName: "  Ada Lovelace " });
    expect(created.status).toBe(201);
    const pair = TokenPairSchema.parse(await created.json());
    const me = await eventually(
      () => call("GET", "/v1/users/me", pair.accessToken),
      (status) => status === 404,
    );
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: pair.user.id, email, displayName: "Ada Lovelace" });
  });

  it("refuses a blank or over-long display name with 400 on displayName, and any unknown field", async () => {
    for (const displayName of ["   ", "n".repeat(101)]) {
      const refused = await post("/v1/auth/register", { email: uniqueEmail("named"), password, displayName });
      expect(refused.status).toBe(400);
      const problem = ProblemSchema.parse(await refused.json());
      expect(problem.errors?.map((error) => error.field)).toEqual(["displayName"]);
    }
    const unknown = await post("/v1/auth/register", {
      email: uniqueEmail("named"),
      password,
      nickname: "Ada",
    });
    expect(unknown.status).toBe(400);
  });
});

describe("auth sessions through the gateway", () => {
  it("refreshes with rotation, and answers a reused refresh token with 401 auth.refresh_reused", async () => {
    const pair = await register();
    const refreshed = await post("/v1/auth/refresh", { refreshToken: pair.refreshToken });
    expect(refreshed.status).toBe(200);
    const next = TokenPairSchema.parse(await refreshed.json());
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    const reused = await post("/v1/auth/refresh", { refreshToken: pair.refreshToken });
    expect(reused.status).toBe(401);
    expect(ProblemSchema.parse(await reused.json()).code).toBe("auth.refresh_reused");
    const afterReuse = await post("/v1/auth/refresh", { refreshToken: next.refreshToken });
    expect(afterReuse.status).toBe(401);
  });

  it("lists sessions, revokes one (404 for a stranger) and logs out with 204", async () => {
    const first = await register();
    const stranger = await register();
    const login = await post("/v1/auth/login", { email: first.user.email, password });
    const second = TokenPairSchema.parse(await login.json());

    const listed = await call("GET", "/v1/auth/sessions?limit=1", second.accessToken);
    expect(listed.status).toBe(200);
    const page = SessionPageSchema.parse(await listed.json());
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const rest = await call("GET", `/v1/auth/sessions?limit=1&cursor=${page.nextCursor}`, second.accessToken);
    const firstSessionId = SessionPageSchema.parse(await rest.json()).items[0]?.id ?? "";

    const foreign = await call("DELETE", `/v1/auth/sessions/${firstSessionId}`, stranger.accessToken);
    expect(foreign.status).toBe(404);
    expect(ProblemSchema.parse(await foreign.json()).code).toBe("auth.session_not_found");
    const own = await call("DELETE", `/v1/auth/sessions/${firstSessionId}`, second.accessToken);
    expect(own.status).toBe(204);
    expect((await post("/v1/auth/refresh", { refreshToken: first.refreshToken })).status).toBe(401);

    const out = await call("POST", "/v1/auth/logout", second.accessToken, {
      refreshToken: second.refreshToken,
    });
    expect(out.status).toBe(204);
    expect((await post("/v1/auth/refresh", { refreshToken: second.refreshToken })).status).toBe(401);
  });

  it("changes the password with 204 and refuses a common one with 400 and errors on newPassword", async () => {
    const pair = await register();
    const common = await call("POST", "/v1/auth/password", pair.accessToken, {
      currentPassword: password,
      newPassword: "password123",
    });
    expect(common.status).toBe(400);
    const problem = ProblemSchema.parse(await common.json());
    expect(problem.code).toBe("auth.password_too_common");
    expect(problem.errors?.map((error) => error.field)).toEqual(["newPassword"]);
    const changed = await call("POST", "/v1/auth/password", pair.accessToken, {
      currentPassword: password,
      newPassword: "a new and better passphrase",
    });
    expect(changed.status).toBe(204);
  });

  it("accepts forgot-password with 202 alike for known and unknown emails, and verifies an email once", async () => {
    const pair = await register();
    const known = await post("/v1/auth/password/forgot", { email: pair.user.email });
    const unknown = await post("/v1/auth/password/forgot", { email: uniqueEmail("auth") });
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(await known.text()).toBe(await unknown.text());
    const token = await verificationToken(pair.user.id);
    expect((await post("/v1/auth/email/verify", { token })).status).toBe(204);
    const again = await post("/v1/auth/email/verify", { token });
    expect(again.status).toBe(400);
    const badReset = await post("/v1/auth/password/reset", {
      token,
      newPassword: "whatever passphrase",
    });
    expect(badReset.status).toBe(400);
    expect(ProblemSchema.parse(await badReset.json()).code).toBe("auth.reset_token_invalid");
  });

  it("throttles failed logins on one account with 429 and the wait in the problem", async () => {
    const pair = await register();
    for (let i = 0; i < 5; i++) {
      const failed = await post("/v1/auth/login", {
        email: pair.user.email,
        password: "wrong password!",
      });
      expect(failed.status).toBe(401);
    }
    const throttled = await post("/v1/auth/login", { email: pair.user.email, password });
    expect(throttled.status).toBe(429);
    const problem = ProblemSchema.parse(await throttled.json());
    expect(problem.code).toBe("auth.too_many_attempts");
    expect(problem.detail).toMatch(/\d+ seconds?/);
    expect(throttled.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
