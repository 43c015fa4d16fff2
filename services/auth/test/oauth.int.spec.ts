import { randomBytes, randomUUID } from "node:crypto";
import {
  accountsRegister,
  emailVerify,
  oauthCallback,
  oauthLink,
  oauthProvidersList,
  oauthStart,
  type TokenPair,
} from "@tessera/contracts";
import { parseAesKeyRing } from "@tessera/service-kit";
import { decodeJwt } from "jose";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProviderTokens } from "../src/infra/oauth-tokens.ts";
import { startTestOp, type TestOp } from "./oidc-op.ts";
import { type AuthHarness, ctx, latestLinkToken, startAuth } from "./support.ts";

const REDIRECT_BASE = "https://api.tessera.test";
const REDIRECT_URI = `${REDIRECT_BASE}/v1/auth/oauth/acme/callback`;
const key = (id: string) => `${id}:${randomBytes(32).toString("base64url")}`;
const TOKEN_KEYS = `${key("tokens-2")},${key("tokens-1")}`;
const password = "a perfectly fine passphrase";

let op: TestOp;
let h: AuthHarness;

beforeAll(async () => {
  op = await startTestOp([REDIRECT_URI]);
  h = await startAuth({
    OAUTH_PROVIDERS: JSON.stringify([
      { name: "acme", type: "oidc", issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret },
    ]),
    OAUTH_REDIRECT_BASE_URL: REDIRECT_BASE,
    OAUTH_STATE_KEYS: key("state-1"),
    OAUTH_TOKEN_KEYS: TOKEN_KEYS,
  });
});

afterAll(async () => {
  await h?.stop();
  await op?.stop();
});

const start = () => h.caller.request(oauthStart, { provider: "acme" }, ctx());

function callbackRequest(back: URL, stateCookie: string | undefined) {
  const param = (name: string) => back.searchParams.get(name) ?? undefined;
  return {
    provider: "acme",
    code: param("code"),
    state: param("state"),
    iss: param("iss"),
    ...(stateCookie === undefined ? {} : { stateCookie }),
  };
}

/** A person at the provider, with a unique subject and email. */
function person(emailVerified: boolean, email = `p.${randomUUID().slice(0, 8)}@example.com`) {
  const subject = randomUUID();
  op.accounts.set(subject, { email, emailVerified, name: "Pat Provider" });
  return { subject, email };
}

async function signIn(subject: string) {
  const flow = await start();
  const back = await op.authorize(flow.location, subject);
  return h.caller.request(oauthCallback, callbackRequest(back, flow.stateCookie), ctx());
}

async function registerVerified(email: string): Promise<TokenPair> {
  const pair = await h.caller.request(accountsRegister, { email, password }, ctx());
  const token = await latestLinkToken(h, pair.user.id, "email-verification");
  await h.caller.request(emailVerify, { token }, ctx());
  return pair;
}

const as = (pair: TokenPair) =>
  ctx({ actor: pair.user.id, sessionId: String(decodeJwt(pair.accessToken).sid) });

describe("OAuth/OIDC sign-in against a real OpenID provider", () => {
  it("lists the configured providers and answers 404 for another", async () => {
    expect(await h.caller.request(oauthProvidersList, {}, ctx())).toEqual({
      items: [{ name: "acme", type: "oidc" }],
    });
    await expect(h.caller.request(oauthStart, { provider: "nope" }, ctx())).rejects.toMatchObject({
      status: 404,
      code: "auth.oauth_provider_not_found",
    });
  });

  it("sends the browser to the provider with PKCE S256, state, nonce and the exact redirect URI", async () => {
    const flow = await start();
    const url = new URL(flow.location);
    expect(url.origin).toBe(op.issuer);
    expect(url.searchParams.get("redirect_uri")).toBe(REDIRECT_URI);
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get("nonce")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The verifier and nonce travel only sealed in the cookie.
    expect(flow.stateCookie).not.toContain(url.searchParams.get("state"));
  });

  it("makes an account for a new identity, signs the same identity in again by (issuer, subject) whatever its email, and keeps provider tokens encrypted", async () => {
    const { subject, email } = person(true);
    const first = await signIn(subject);
    expect(first).toMatchObject({ user: { email }, tokenType: "Bearer", location: null });
    expect(decodeJwt(first.accessToken).sub).toBe(first.user.id);

    op.accounts.set(subject, {
      email: `changed.${randomUUID().slice(0, 8)}@example.com`,
      emailVerified: true,
    });
    const again = await signIn(subject);
    expect(again.user.id).toBe(first.user.id);

    const { rows } = await sql<{ issuer: string; account_id: string }>`
      select issuer, account_id from auth.oauth_identities where subject = ${subject}`.execute(
      h.auth.database.db,
    );
    expect(rows).toEqual([{ issuer: op.issuer, account_id: first.user.id }]);
    const { rows: stored } = await sql<{ key_id: string; ciphertext: string }>`
      select key_id, ciphertext from auth.oauth_tokens where subject = ${subject}`.execute(
      h.auth.database.db,
    );
    expect(stored[0]?.key_id).toBe("tokens-2");
    const tokens = await loadProviderTokens(h.auth.running.runtime.db, parseAesKeyRing(TOKEN_KEYS), {
      issuer: op.issuer,
      subject,
      accountId: first.user.id,
    });
    expect(tokens?.accessToken.length).toBeGreaterThan(10);
    expect(stored[0]?.ciphertext).not.toContain(tokens?.accessToken ?? "missing");
    // The identity's subject and email are sealed in the events, like every personal field.
    const { rows: events } = await sql<{ text: string }>`
      select string_agg(data::text, ' ') as text from auth.events where stream_id = ${`account-${first.user.id}`}`.execute(
      h.auth.database.db,
    );
    expect(events[0]?.text).not.toContain(subject);
    expect(events[0]?.text.toLowerCase()).not.toContain(email.toLowerCase());
  });

  it("refuses a wrong state, a missing flow cookie, another flow's cookie, a wrong iss and a replayed code", async () => {
    const { subject } = person(true);
    const flow = await start();
    const back = await op.authorize(flow.location, subject);
    const good = callbackRequest(back, flow.stateCookie);
    const invalidState = { status: 400, code: "auth.oauth_state_invalid" };
    const call = (request: ReturnType<typeof callbackRequest>) =>
      h.caller.request(oauthCallback, request, ctx());

    await expect(call({ ...good, state: "not-the-state" })).rejects.toMatchObject(invalidState);
    await expect(call(callbackRequest(back, undefined))).rejects.toMatchObject(invalidState);
    const other = await start();
    await expect(call(callbackRequest(back, other.stateCookie))).rejects.toMatchObject(invalidState);
    await expect(call({ ...good, iss: "https://evil.example" })).rejects.toMatchObject({
      status: 400,
      code: "auth.oauth_failed",
    });

    expect(await call(good)).toMatchObject({ tokenType: "Bearer" });
    await expect(call(good)).rejects.toMatchObject({ status: 400, code: "auth.oauth_failed" });
  });

  it("lets the provider refuse a code exchanged without the PKCE verifier", async () => {
    const { subject } = person(true);
    const flow = await start();
    const back = await op.authorize(flow.location, subject);
    const response = await fetch(`${op.issuer}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: back.searchParams.get("code") ?? "",
        redirect_uri: REDIRECT_URI,
        client_id: op.clientId,
        client_secret: op.clientSecret,
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("never takes over an account by email: auto-links only when the provider and the account both verified it", async () => {
    // An attacker registers the victim's address first and never verifies it.
    const victimEmail = `victim.${randomUUID().slice(0, 8)}@example.com`;
    const squatter = await h.caller.request(accountsRegister, { email: victimEmail, password }, ctx());
    const victim = person(true, victimEmail);
    await expect(signIn(victim.subject)).rejects.toMatchObject({
      status: 409,
      code: "auth.oauth_link_required",
    });
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from auth.oauth_identities where account_id = ${squatter.user.id}`.execute(
      h.auth.database.db,
    );
    expect(rows[0]?.count).toBe(0);

    // A provider that did not verify the email links to nobody either.
    const ownerEmail = `owner.${randomUUID().slice(0, 8)}@example.com`;
    const owner = await registerVerified(ownerEmail);
    const unverified = person(false, ownerEmail);
    await expect(signIn(unverified.subject)).rejects.toMatchObject({ status: 409 });

    // Both verified: the same person, linked and signed in.
    const verified = person(true, ownerEmail.toUpperCase());
    expect((await signIn(verified.subject)).user.id).toBe(owner.user.id);
  });

  it("links a provider to the signed-in caller and refuses an identity that belongs to another account", async () => {
    const caller = await h.caller.request(
      accountsRegister,
      { email: `linker.${randomUUID().slice(0, 8)}@example.com`, password },
      ctx(),
    );
    const identity = person(false, `elsewhere.${randomUUID().slice(0, 8)}@example.com`);
    const link = await h.caller.request(oauthLink, { provider: "acme" }, as(caller));
    const back = await op.authorize(link.url, identity.subject);
    const linked = await h.caller.request(oauthCallback, callbackRequest(back, link.stateCookie), ctx());
    expect(linked.user.id).toBe(caller.user.id);
    expect((await signIn(identity.subject)).user.id).toBe(caller.user.id);

    const someoneElse = await h.caller.request(
      accountsRegister,
      { email: `other.${randomUUID().slice(0, 8)}@example.com`, password },
      ctx(),
    );
    const steal = await h.caller.request(oauthLink, { provider: "acme" }, as(someoneElse));
    const stolen = await op.authorize(steal.url, identity.subject);
    await expect(
      h.caller.request(oauthCallback, callbackRequest(stolen, steal.stateCookie), ctx()),
    ).rejects.toMatchObject({ status: 409, code: "auth.oauth_identity_taken" });
    await expect(h.caller.request(oauthLink, { provider: "acme" }, ctx())).rejects.toMatchObject({
      status: 401,
    });
  });
});
