import { randomUUID } from "node:crypto";
import { oauthCallback, oauthStart } from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeGithub, startFakeGithub } from "./fake-github.ts";
import { type AuthHarness, ctx, startAuth } from "./support.ts";

const FRONTEND = "https://app.tessera.test/signed-in";
let github: FakeGithub;
let h: AuthHarness;

beforeAll(async () => {
  github = await startFakeGithub();
  h = await startAuth({
    OAUTH_PROVIDERS: JSON.stringify([
      {
        name: "github",
        type: "github",
        clientId: github.clientId,
        clientSecret: github.clientSecret,
        authorizationEndpoint: `${github.baseUrl}/login/oauth/authorize`,
        tokenEndpoint: `${github.baseUrl}/login/oauth/access_token`,
        apiBaseUrl: github.baseUrl,
      },
    ]),
    OAUTH_REDIRECT_BASE_URL: "https://api.tessera.test",
    OAUTH_FRONTEND_REDIRECT_URL: FRONTEND,
  });
});

afterAll(async () => {
  await h?.stop();
  await github?.stop();
});

async function flowFor(userId: number) {
  const flow = await h.caller.request(oauthStart, { provider: "github" }, ctx());
  const back = await github.authorize(flow.location, userId);
  return {
    provider: "github",
    code: back.searchParams.get("code") ?? undefined,
    state: back.searchParams.get("state") ?? undefined,
    stateCookie: flow.stateCookie,
  };
}

describe("GitHub sign-in (plain OAuth 2)", () => {
  it("signs a GitHub user up with PKCE, keyed by GitHub's user id, and refuses the code a second time", async () => {
    const id = Math.floor(Math.random() * 1e9);
    const email = `gh.${randomUUID().slice(0, 8)}@example.com`;
    github.users.set(id, { id, name: "Octo Cat", email, verified: true });
    const request = await flowFor(id);
    const pair = await h.caller.request(oauthCallback, request, ctx());
    expect(pair.user.email).toBe(email);
    expect(pair.location).toBe(FRONTEND);
    const { rows } = await sql<{ issuer: string; account_id: string; email_verified_at: Date | null }>`
      select i.issuer, i.account_id, a.email_verified_at from auth.oauth_identities i
        join auth.accounts a using (account_id) where i.subject = ${String(id)}`.execute(h.auth.database.db);
    expect(rows).toEqual([
      { issuer: "https://github.com", account_id: pair.user.id, email_verified_at: expect.any(Date) },
    ]);
    // The browser is sent to the front-end with the failure, not shown a JSON page.
    await expect(h.caller.request(oauthCallback, request, ctx())).rejects.toMatchObject({
      status: 400,
      code: "auth.oauth_failed",
      location: FRONTEND,
    });
    await expect(
      h.caller.request(oauthCallback, { ...request, stateCookie: undefined }, ctx()),
    ).rejects.toMatchObject({ status: 400, code: "auth.oauth_state_invalid", location: FRONTEND });
    const again = await h.caller.request(oauthCallback, await flowFor(id), ctx());
    expect(again.user.id).toBe(pair.user.id);
  });
});
