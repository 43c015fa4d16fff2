import { randomUUID } from "node:crypto";
import { ProblemSchema, REVOKED_SESSIONS_KV, TokenPairSchema } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/platform.ts";
import { gatewayRoutes, projectEcho } from "./support/test-routes.ts";
import { createSigningKey, type SigningKey, signAccessToken } from "./support/tokens.ts";

let harness: Harness;
let key: SigningKey;
const namespace = testNamespace("gwaccess");

beforeAll(async () => {
  harness = await startHarness(namespace, gatewayRoutes);
  key = await createSigningKey();
  await harness.publishKeys([key]);
});

afterAll(async () => {
  await harness?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Publishes an event the way the user service's relay does (core subscribers see JetStream publishes too). */
function publishUserEvent(type: string, data: Record<string, string>): void {
  const envelope = {
    eventId: randomUUID(),
    type,
    version: 1,
    streamId: `test-${randomUUID()}`,
    streamVersion: 1,
    globalPosition: "1",
    occurredAt: new Date().toISOString(),
    data,
    metadata: {},
  };
  harness.nc.publish(`${namespace}.evt.${type}`, JSON.stringify(envelope));
}

describe("project-scoped routes", () => {
  it("answers 404 project.not_found to non-members and to ids that are not UUIDs", async () => {
    const token = await signAccessToken(key);
    for (const projectId of [randomUUID(), "not-a-uuid"]) {
      const response = await harness.app.inject({
        url: `/v1/test/projects/${projectId}/echo`,
        headers: bearer(token),
      });
      expect(response.statusCode).toBe(404);
      expect(ProblemSchema.parse(response.json()).code).toBe("project.not_found");
    }
  });

  it("passes the project, the caller's role, session and address to the service", async () => {
    const userId = randomUUID();
    const sessionId = randomUUID();
    const projectId = randomUUID();
    harness.access.memberships.set(`${userId}/${projectId}`, "viewer");
    const token = await signAccessToken(key, { userId, claims: { sid: sessionId } });
    const response = await harness.app.inject({
      url: `/v1/test/projects/${projectId}/echo`,
      headers: bearer(token),
      remoteAddress: "203.0.113.44",
    });
    expect(response.statusCode).toBe(200);
    expect(projectEcho.response.parse(response.json())).toEqual({ projectId, projectRole: "viewer" });
    expect(harness.received.at(-1)).toMatchObject({
      actor: userId,
      projectId,
      projectRole: "viewer",
      sessionId,
      clientIp: "203.0.113.44",
    });
  });

  it("answers 403 when the route does not allow the member's role", async () => {
    const userId = randomUUID();
    const projectId = randomUUID();
    harness.access.memberships.set(`${userId}/${projectId}`, "member");
    const token = await signAccessToken(key, { userId });
    const response = await harness.app.inject({
      method: "POST",
      url: `/v1/test/projects/${projectId}/echo`,
      headers: bearer(token),
    });
    expect(response.statusCode).toBe(403);
    expect(ProblemSchema.parse(response.json()).code).toBe("auth.forbidden");
  });

  it("caches memberships and drops them at once on a membership event", async () => {
    const userId = randomUUID();
    const projectId = randomUUID();
    harness.access.memberships.set(`${userId}/${projectId}`, "member");
    const token = await signAccessToken(key, { userId });
    const read = () =>
      harness.app.inject({ url: `/v1/test/projects/${projectId}/echo`, headers: bearer(token) });
    expect((await read()).statusCode).toBe(200);
    const lookups = harness.access.lookups;
    expect((await read()).statusCode).toBe(200);
    expect(harness.access.lookups).toBe(lookups);

    harness.access.memberships.delete(`${userId}/${projectId}`);
    // Without an event the cached answer stands (up to its TTL)…
    expect((await read()).statusCode).toBe(200);
    // …and the event ends it within moments.
    publishUserEvent("user.membership.removed", { userId, projectId });
    await eventually(async () => (await read()).statusCode === 404);
  });

  it("ignores user events that do not change access", async () => {
    const userId = randomUUID();
    const projectId = randomUUID();
    harness.access.memberships.set(`${userId}/${projectId}`, "owner");
    const token = await signAccessToken(key, { userId });
    const read = () =>
      harness.app.inject({ url: `/v1/test/projects/${projectId}/echo`, headers: bearer(token) });
    await read();
    const lookups = harness.access.lookups;
    publishUserEvent("user.profile.updated", { userId });
    await harness.nc.flush();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await read();
    expect(harness.access.lookups).toBe(lookups);
  });
});

describe("platform-admin routes", () => {
  it("refuses callers without the admin role with 403 auth.forbidden", async () => {
    const token = await signAccessToken(key, { claims: { roles: ["admin"] } });
    const response = await harness.app.inject({ url: "/v1/test/admin/echo", headers: bearer(token) });
    expect(response.statusCode).toBe(403);
    expect(ProblemSchema.parse(response.json()).code).toBe("auth.forbidden");
  });

  it("lets admins through with their roles, and follows a role grant event", async () => {
    const userId = randomUUID();
    const token = await signAccessToken(key, { userId });
    const call = () => harness.app.inject({ url: "/v1/test/admin/echo", headers: bearer(token) });
    expect((await call()).statusCode).toBe(403);
    harness.access.admins.add(userId);
    publishUserEvent("user.role.granted", { userId, role: "admin" });
    await eventually(async () => (await call()).statusCode === 200);
    expect(harness.received.at(-1)).toMatchObject({ actor: userId, roles: ["admin"] });
  });

  it("refuses anonymous callers with 401", async () => {
    expect((await harness.app.inject({ url: "/v1/test/admin/echo" })).statusCode).toBe(401);
  });
});

describe("revoked sessions", () => {
  it("refuses an access token within moments of its session being revoked in KV", async () => {
    const sessionId = randomUUID();
    const token = await signAccessToken(key, { claims: { sid: sessionId } });
    const me = () => harness.app.inject({ url: "/v1/users/me", headers: bearer(token) });
    expect((await me()).statusCode).toBe(200);

    const bucket = await harness.services.auth.kv(REVOKED_SESSIONS_KV.bucket);
    await bucket.put(sessionId, new Date().toISOString());
    await eventually(async () => (await me()).statusCode === 401);
    const refused = await me();
    expect(ProblemSchema.parse(refused.json()).code).toBe("auth.session_revoked");
    expect(refused.headers["www-authenticate"]).toContain('error="invalid_token"');

    // Other sessions of the same platform are untouched.
    const other = await signAccessToken(key);
    expect((await harness.app.inject({ url: "/v1/users/me", headers: bearer(other) })).statusCode).toBe(200);
  });
});

describe("cookie transport for browsers", () => {
  const json = { "content-type": "application/json" };

  function cookieJar(setCookie: string | string[] | undefined): Map<string, string> {
    const jar = new Map<string, string>();
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      jar.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return jar;
  }

  it("sets HttpOnly token cookies and a readable CSRF cookie, and strips the tokens from the body", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { ...json, "x-token-transport": "cookie" },
      payload: { email: "ada@example.com", password: "correct horse battery staple" },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.accessToken).toBeUndefined();
    expect(body.refreshToken).toBeUndefined();
    expect(body).toMatchObject({ tokenType: "Bearer", expiresIn: 900, user: { email: "ada@example.com" } });
    expect(response.body).not.toContain("access-token-from-auth");

    const lines = [response.headers["set-cookie"]].flat().map(String);
    const access = lines.find((line) => line.startsWith("__Host-access="));
    const refresh = lines.find((line) => line.startsWith("__Secure-refresh="));
    const csrf = lines.find((line) => line.startsWith("__Host-csrf="));
    expect(access).toMatch(/; Path=\/;.*HttpOnly; Secure; SameSite=Lax/);
    expect(refresh).toMatch(/; Path=\/v1\/auth;.*HttpOnly; Secure; SameSite=Lax/);
    expect(csrf).toMatch(/; Path=\/;/);
    expect(csrf).not.toContain("HttpOnly");
  });

  it("accepts the access cookie, and demands the CSRF token on mutating requests", async () => {
    const userId = randomUUID();
    const token = await signAccessToken(key, { userId });
    const csrf = "c".repeat(43);
    const cookie = `__Host-access=${token}; __Host-csrf=${csrf}; __Secure-refresh=refresh-token-from-auth`;
    const read = await harness.app.inject({ url: "/v1/users/me", headers: { cookie } });
    expect(read.statusCode).toBe(200);

    const logout = (headers: Record<string, string>) =>
      harness.app.inject({
        method: "POST",
        url: "/v1/auth/test-logout",
        headers: { ...json, cookie, ...headers },
        payload: {},
      });
    const wrongOrMissing: Record<string, string>[] = [{}, { "x-csrf-token": "d".repeat(43) }];
    for (const headers of wrongOrMissing) {
      const refused = await logout(headers);
      expect(refused.statusCode).toBe(403);
      expect(ProblemSchema.parse(refused.json()).code).toBe("auth.csrf_failed");
    }
    const done = await logout({ "x-csrf-token": csrf });
    expect(done.statusCode).toBe(204);
    expect(harness.received.at(-1)?.actor).toBe(userId);
    // The refresh token came from its cookie, and the cookie session is over.
    const cleared = cookieJar(done.headers["set-cookie"]);
    expect(cleared.get("__Host-access")).toBe("");
    expect([done.headers["set-cookie"]].flat().join("\n")).toContain("Max-Age=0");
  });

  it("does not ask bearer-header callers for a CSRF token", async () => {
    const token = await signAccessToken(key);
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/test-logout",
      headers: { ...json, ...bearer(token) },
      payload: { refreshToken: "refresh-token-from-auth" },
    });
    expect(response.statusCode).toBe(204);
  });

  it("refreshes from the refresh cookie with the CSRF token, answering with new cookies", async () => {
    const csrf = "e".repeat(43);
    const cookie = `__Secure-refresh=refresh-token-from-auth; __Host-csrf=${csrf}`;
    const withoutCsrf = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/test-refresh",
      headers: { ...json, cookie },
      payload: {},
    });
    expect(withoutCsrf.statusCode).toBe(403);

    const refreshed = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/test-refresh",
      headers: { ...json, cookie, "x-csrf-token": csrf },
      payload: {},
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.json().refreshToken).toBeUndefined();
    const jar = cookieJar(refreshed.headers["set-cookie"]);
    expect(jar.get("__Host-access")).toBe("rotated-access-token");
    expect(jar.get("__Secure-refresh")).toBe("rotated-refresh-token");
    expect(jar.get("__Host-csrf")).not.toBe(csrf);

    // A body token still works the classic way, tokens in the body.
    const classic = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/test-refresh",
      headers: json,
      payload: { refreshToken: "refresh-token-from-auth" },
    });
    expect(TokenPairSchema.parse(classic.json()).refreshToken).toBe("rotated-refresh-token");
    expect(classic.headers["set-cookie"]).toBeUndefined();
  });
});
