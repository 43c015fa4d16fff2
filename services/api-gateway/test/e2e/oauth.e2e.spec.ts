import { randomUUID } from "node:crypto";
import { OAUTH_FLOW_COOKIE, ProblemSchema, TokenPairSchema } from "@tessera/contracts";
import { freePort, stackClient, uniqueEmail } from "@tessera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { startTestOp, type TestOp } from "../../../auth/test/oidc-op.ts";
import { useStack } from "../support/stack.ts";

let op: TestOp;
const stack = useStack(async () => {
  // The redirect URI names the gateway, so its port is chosen before anything starts.
  const port = await freePort();
  const gateway = `http://127.0.0.1:${port}`;
  op = await startTestOp([`${gateway}/v1/auth/oauth/acme/callback`]);
  return {
    port,
    env: {
      OAUTH_PROVIDERS: JSON.stringify([
        {
          name: "acme",
          type: "oidc",
          issuer: op.issuer,
          clientId: op.clientId,
          clientSecret: op.clientSecret,
        },
      ]),
      OAUTH_REDIRECT_BASE_URL: gateway,
    },
  };
});
const { call, register, eventually } = stackClient(() => stack.gatewayUrl);

afterAll(async () => {
  await op?.stop();
});

/** The flow cookie from a `Set-Cookie`, as the browser would send it back. */
function flowCookieOf(response: Response): string {
  const cookie = response.headers.getSetCookie().find((value) => value.startsWith(`${OAUTH_FLOW_COOKIE}=`));
  if (!cookie) throw new Error("no flow cookie");
  expect(cookie).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
  return cookie.split(";")[0] ?? "";
}

const get = (url: string, cookie?: string) =>
  fetch(url, { redirect: "manual", headers: cookie ? { cookie } : {} });

/** Start at the gateway, sign in at the provider as `subject`: the callback URL and the browser's cookie. */
async function throughProvider(subject: string, start?: Response) {
  const started = start ?? (await get(`${stack.gatewayUrl}/v1/auth/oauth/acme/start`));
  const location =
    started.headers.get("location") ?? z.object({ url: z.url() }).parse(await started.json()).url;
  const cookie = flowCookieOf(started);
  const back = await op.authorize(location, subject);
  expect(back.origin).toBe(stack.gatewayUrl);
  return { back, cookie };
}

async function problem(response: Response) {
  return ProblemSchema.parse(await response.json());
}

describe("OAuth/OIDC through the gateway against a real OpenID provider", () => {
  it("lists providers, redirects to the provider, signs up on the callback and builds the profile", async () => {
    const providers = await fetch(`${stack.gatewayUrl}/v1/auth/oauth/providers`);
    expect(await providers.json()).toEqual({ items: [{ name: "acme", type: "oidc" }] });

    const start = await get(`${stack.gatewayUrl}/v1/auth/oauth/acme/start`);
    expect(start.status).toBe(302);
    expect(new URL(start.headers.get("location") ?? "").searchParams.get("code_challenge_method")).toBe(
      "S256",
    );

    const subject = randomUUID();
    const email = `oidc.${randomUUID().slice(0, 8)}@example.com`;
    op.accounts.set(subject, { email, emailVerified: true, name: "Olive Idc" });
    const { back, cookie } = await throughProvider(subject, start);
    const signedIn = await get(back.href, cookie);
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.getSetCookie()).toContain(
      `${OAUTH_FLOW_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
    );
    const pair = TokenPairSchema.parse(await signedIn.json());
    expect(pair.user.email).toBe(email);

    // The profile is built from the published registration, its sealed email revealed on the way out.
    const profile = await eventually(
      () => call("GET", "/v1/users/me", pair.accessToken),
      (status) => status === 404,
    );
    expect(await profile.json()).toMatchObject({ id: pair.user.id, email });
  });

  it("answers a wrong state, a missing cookie and a replayed code with 400", async () => {
    const subject = randomUUID();
    op.accounts.set(subject, { email: `r.${randomUUID().slice(0, 8)}@example.com`, emailVerified: true });
    const { back, cookie } = await throughProvider(subject);
    const wrongState = new URL(back);
    wrongState.searchParams.set("state", "forged");
    const forged = await get(wrongState.href, cookie);
    expect(forged.status).toBe(400);
    expect((await problem(forged)).code).toBe("auth.oauth_state_invalid");
    const cookieless = await get(back.href);
    expect(cookieless.status).toBe(400);
    expect((await problem(cookieless)).code).toBe("auth.oauth_state_invalid");

    expect((await get(back.href, cookie)).status).toBe(200);
    const replayed = await get(back.href, cookie);
    expect(replayed.status).toBe(400);
    expect((await problem(replayed)).code).toBe("auth.oauth_failed");
  });

  it("links a provider to the signed-in caller through POST …/link", async () => {
    const caller = await register({ email: uniqueEmail("l"), password: "a linking passphrase" });
    const link = await call("POST", "/v1/auth/oauth/acme/link", caller.accessToken);
    expect(link.status).toBe(200);
    const subject = randomUUID();
    op.accounts.set(subject, {
      email: `elsewhere.${randomUUID().slice(0, 8)}@example.com`,
      emailVerified: false,
    });
    const { back, cookie } = await throughProvider(subject, link);
    const linked = TokenPairSchema.parse(await (await get(back.href, cookie)).json());
    expect(linked.user.id).toBe(caller.user.id);
  });
});
