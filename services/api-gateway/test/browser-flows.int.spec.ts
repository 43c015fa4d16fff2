import { randomUUID } from "node:crypto";
import {
  type MessageContext,
  OAUTH_FLOW_COOKIE,
  oauthCallback,
  oauthLink,
  oauthStart,
  TesseraError,
} from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { type Harness, startHarness } from "./support/platform.ts";
import { gatewayRoutes } from "./support/test-routes.ts";
import { createSigningKey, type SigningKey, signAccessToken } from "./support/tokens.ts";

let harness: Harness;
let key: SigningKey;
const flowCookie = `k1~${"A".repeat(60)}`;
const callbacks: { request: z.infer<typeof oauthCallback.request>; ctx: MessageContext }[] = [];
let frontEnd: string | null = null;
/** When set, the fake `auth` refuses the callback with it. */
let refusal: TesseraError | null = null;

const pair = (userId: string) => ({
  user: { id: userId, email: "ada@example.com" },
  accessToken: "access.jwt.token",
  refreshToken: "refresh-token-value",
  tokenType: "Bearer" as const,
  expiresIn: 900,
});

beforeAll(async () => {
  harness = await startHarness(testNamespace("gwflow"), gatewayRoutes);
  key = await createSigningKey();
  await harness.publishKeys([key]);
  // `auth` as the gateway sees it: it names the redirect and the cookie, the gateway speaks HTTP.
  harness.services.auth.serve(oauthStart, async ({ provider }) => ({
    location: `https://id.example/authorize?client_id=tessera&provider=${provider}`,
    stateCookie: flowCookie,
  }));
  harness.services.auth.serve(oauthCallback, async (request, ctx) => {
    callbacks.push({ request, ctx });
    if (refusal !== null) throw refusal;
    return { ...pair(randomUUID()), location: frontEnd };
  });
  harness.services.auth.serve(oauthLink, async ({ provider }, ctx) => ({
    url: `https://id.example/authorize?provider=${provider}&for=${ctx.actor}`,
    stateCookie: flowCookie,
  }));
});

afterAll(async () => {
  await harness?.close();
});

function setCookies(headers: Record<string, unknown>): string[] {
  const value = headers["set-cookie"];
  return Array.isArray(value) ? value.map(String) : typeof value === "string" ? [value] : [];
}

const flowCookieCleared = expect.stringMatching(`^${OAUTH_FLOW_COOKIE}=; .*Max-Age=0`);

/** The provider's redirect back, with the flow cookie, while the fake `auth` answers as told. */
async function callbackWith(answer: { frontEnd?: string; refusal?: TesseraError }) {
  frontEnd = answer.frontEnd ?? null;
  refusal = answer.refusal ?? null;
  try {
    return await harness.app.inject({
      method: "GET",
      url: "/v1/auth/oauth/acme/callback?code=c&state=s",
      headers: { cookie: `${OAUTH_FLOW_COOKIE}=${flowCookie}` },
    });
  } finally {
    frontEnd = null;
    refusal = null;
  }
}

describe("browser flows declared on routes (OAuth)", () => {
  it("answers start with 302 to the provider and the flow cookie, never the cookie in a body", async () => {
    const response = await harness.app.inject({ method: "GET", url: "/v1/auth/oauth/acme/start" });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe("https://id.example/authorize?client_id=tessera&provider=acme");
    expect(setCookies(response.headers)).toEqual([
      `${OAUTH_FLOW_COOKIE}=${flowCookie}; Path=/; Max-Age=600; HttpOnly; Secure; SameSite=Lax`,
    ]);
    expect(response.body).toBe("");
  });

  it("hands the callback's query and the flow cookie to auth, answers the token pair and clears the cookie", async () => {
    const response = await harness.app.inject({
      method: "GET",
      url: "/v1/auth/oauth/acme/callback?code=the-code&state=the-state&iss=https%3A%2F%2Fid.example&session_state=x",
      headers: { cookie: `other=1; ${OAUTH_FLOW_COOKIE}=${flowCookie}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      accessToken: "access.jwt.token",
      refreshToken: "refresh-token-value",
    });
    expect(response.json()).not.toHaveProperty("location");
    expect(callbacks.at(-1)?.request).toEqual({
      provider: "acme",
      code: "the-code",
      state: "the-state",
      iss: "https://id.example",
      stateCookie: flowCookie,
    });
    expect(setCookies(response.headers)).toEqual([
      `${OAUTH_FLOW_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
    ]);
  });

  it("sends a browser to the configured front-end with the tokens in cookies only", async () => {
    const response = await callbackWith({ frontEnd: "https://app.example/signed-in" });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe("https://app.example/signed-in");
    expect(response.body).toBe("");
    const cookies = setCookies(response.headers);
    expect(cookies.map((cookie) => cookie.split("=")[0])).toEqual([
      OAUTH_FLOW_COOKIE,
      "__Host-access",
      "__Secure-refresh",
      "__Host-csrf",
    ]);
    expect(cookies[1]).toMatch(/^__Host-access=access\.jwt\.token; .*HttpOnly; Secure; SameSite=Lax$/);
  });

  it("sends a browser whose callback failed to the front-end with the code, clearing the flow cookie", async () => {
    const response = await callbackWith({
      refusal: new TesseraError("auth.oauth_failed", 400, "The sign-in failed.").redirecting(
        "https://app.example/signed-in?from=oauth",
      ),
    });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe(
      "https://app.example/signed-in?from=oauth&error=auth.oauth_failed",
    );
    expect(response.body).toBe("");
    // Only the spent flow cookie is cleared; no tokens travel.
    expect(setCookies(response.headers)).toEqual([flowCookieCleared]);
  });

  it("answers a failed callback with problem+json when no front-end is configured, still clearing the cookie", async () => {
    const response = await callbackWith({
      refusal: new TesseraError("auth.oauth_state_invalid", 400, "The sign-in state is not valid."),
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: "auth.oauth_state_invalid" });
    expect(response.json()).not.toHaveProperty("location");
    expect(setCookies(response.headers)).toEqual([flowCookieCleared]);
  });

  it("passes no cookie field when the browser has none, and refuses a malformed one before auth", async () => {
    const before = callbacks.length;
    const without = await harness.app.inject({
      method: "GET",
      url: "/v1/auth/oauth/acme/callback?code=c&state=s",
    });
    expect(without.statusCode).toBe(200);
    expect(callbacks.at(-1)?.request).not.toHaveProperty("stateCookie");
    const malformed = await harness.app.inject({
      method: "GET",
      url: "/v1/auth/oauth/acme/callback?code=c&state=s",
      headers: { cookie: `${OAUTH_FLOW_COOKIE}=not-a-flow` },
    });
    expect(malformed.statusCode).toBe(400);
    expect(callbacks.length).toBe(before + 1);
  });

  it("answers link with { url } for a signed-in caller and binds the flow to the browser by the cookie", async () => {
    const userId = randomUUID();
    const token = await signAccessToken(key, { userId });
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/oauth/acme/link",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ url: `https://id.example/authorize?provider=acme&for=${userId}` });
    expect(setCookies(response.headers)[0]).toMatch(
      new RegExp(`^${OAUTH_FLOW_COOKIE}=${flowCookie}; Path=/`),
    );
    const anonymous = await harness.app.inject({ method: "POST", url: "/v1/auth/oauth/acme/link" });
    expect(anonymous.statusCode).toBe(401);
  });
});
