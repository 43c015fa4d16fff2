import { randomUUID } from "node:crypto";
import {
  HealthSchema,
  PLATFORM_SERVICES,
  PlatformStatusSchema,
  type Problem,
  ProblemSchema,
  ProfileSchema,
  ReadinessSchema,
  TokenPairSchema,
} from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, VALID_PASSWORD } from "./support/platform.ts";
import { gatewayRoutes, getItem } from "./support/test-routes.ts";
import { createSigningKey, type SigningKey, signAccessToken } from "./support/tokens.ts";

let harness: Harness;
let key: SigningKey;

beforeAll(async () => {
  harness = await startHarness(testNamespace("gw"), gatewayRoutes);
  key = await createSigningKey();
  await harness.publishKeys([key]);
});

afterAll(async () => {
  await harness?.close();
});

const json = { "content-type": "application/json" };
const credentials = { email: "ada@example.com", password: VALID_PASSWORD };

/** Parses a problem response and checks the parts every problem shares. */
function problemOf(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): unknown;
}): Problem {
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(response.json());
  expect(problem.status).toBe(response.statusCode);
  expect(problem.requestId).toBe(response.headers["x-request-id"]);
  return problem;
}

describe("routing and problem details", () => {
  it("answers an unknown route with 404 route.not_found, naming the request instead of quoting its path", async () => {
    const response = await harness.app.inject({
      method: "GET",
      url: "/v1/nothing-%3Cscript%3E/here?x=1",
      headers: { "x-request-id": "probe-404" },
    });
    expect(response.statusCode).toBe(404);
    const problem = problemOf(response);
    expect(problem).toMatchObject({ code: "route.not_found", instance: "urn:tessera:request:probe-404" });
    expect(problem.type).toMatch(/^https:\/\//);
    expect(response.body).not.toMatch(/nothing|script|here/);
  });

  it("answers a known path with the wrong method with 405 and Allow", async () => {
    const response = await harness.app.inject({ method: "DELETE", url: "/v1/auth/login" });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe("POST");
    expect(problemOf(response)).toMatchObject({
      code: "route.method_not_allowed",
      instance: "/v1/auth/login",
    });

    const onItem = await harness.app.inject({ method: "PUT", url: "/v1/test/items/probe-value" });
    expect(onItem.statusCode).toBe(405);
    expect(problemOf(onItem).instance).toBe("/v1/test/items/{itemId}");
    expect(onItem.body).not.toContain("probe-value");

    const onProfile = await harness.app.inject({ method: "PUT", url: "/v1/users/me" });
    expect(onProfile.statusCode).toBe(405);
    expect(onProfile.headers.allow).toMatch(/^(?=.*\bGET\b)(?=.*\bHEAD\b)(?!.*\bPUT\b)/);
  });

  it("refuses malformed JSON with 400 request.malformed_json", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: '{"email": "ada@example.com", "password": ',
    });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).code).toBe("request.malformed_json");
  });

  it("refuses __proto__ and constructor.prototype keys in a JSON body", async () => {
    const reachedServices = harness.received.length;
    for (const payload of [
      '{"__proto__": {"admin": true}, "email": "ada@example.com", "password": "long enough"}',
      '{"constructor": {"prototype": {"admin": true}}, "email": "ada@example.com", "password": "x"}',
    ]) {
      const response = await harness.app.inject({
        method: "POST",
        url: "/v1/auth/login",
        headers: json,
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(problemOf(response).code).toBe("request.malformed_json");
    }
    expect(harness.received).toHaveLength(reachedServices);
  });

  it("refuses a body that is not JSON with 415", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { "content-type": "text/plain" },
      payload: "email=ada@example.com",
    });
    expect(response.statusCode).toBe(415);
    expect(problemOf(response).code).toBe("request.unsupported_media_type");
  });

  it("refuses a body over the limit with 413", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: JSON.stringify({ ...credentials, padding: "x".repeat(10_000) }),
    });
    expect(response.statusCode).toBe(413);
    expect(problemOf(response).code).toBe("request.too_large");
  });

  it("reports every invalid field of the body in errors[]", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: { email: "not an email", password: "short" },
    });
    expect(response.statusCode).toBe(400);
    const problem = problemOf(response);
    expect(problem.code).toBe("validation.failed");
    expect(problem.errors?.map((error) => error.field).sort()).toEqual(["email", "password"]);
    expect(problem.errors?.every((error) => error.message.length > 0)).toBe(true);
  });

  it("validates path parameters and the query string", async () => {
    const response = await harness.app.inject({ url: "/v1/test/items/not-a-uuid?limit=999" });
    expect(response.statusCode).toBe(400);
    expect(
      problemOf(response)
        .errors?.map((error) => error.field)
        .sort(),
    ).toEqual(["itemId", "limit"]);
  });

  it("names the matched route's template as the instance, never the path the client sent", async () => {
    const response = await harness.app.inject({ url: "/v1/test/items/probe-value" });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).instance).toBe("/v1/test/items/{itemId}");
    expect(response.body).not.toContain("probe-value");
  });

  it("merges path parameters and query into the operation input", async () => {
    const itemId = randomUUID();
    const response = await harness.app.inject({ url: `/v1/test/items/${itemId}?limit=7` });
    expect(response.statusCode).toBe(200);
    expect(getItem.response.parse(response.json())).toEqual({ itemId, limit: 7 });
  });

  it("answers 204 with no body when the route has no response", async () => {
    const response = await harness.app.inject({ method: "DELETE", url: `/v1/test/items/${randomUUID()}` });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe("");
  });
});

describe("upstream calls", () => {
  it("passes a service's typed failure through with its status and code", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: { ...credentials, password: "wrong password" },
    });
    expect(response.statusCode).toBe(401);
    expect(problemOf(response)).toMatchObject({
      code: "auth.invalid_credentials",
      instance: "/v1/auth/login",
    });
  });

  it("returns the service's data with the route's success status and no-store on auth routes", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: credentials,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(TokenPairSchema.parse(response.json()).user.email).toBe(credentials.email);
  });

  it("answers 500 internal.error without internals and logs the cause with the request id", async () => {
    const response = await harness.app.inject({
      url: "/v1/test/broken",
      headers: { "x-request-id": "broken-1" },
    });
    expect(response.statusCode).toBe(500);
    const problem = problemOf(response);
    expect(problem).toMatchObject({ code: "internal.error", detail: "An unexpected error occurred." });
    expect(response.body).not.toContain("internal detail");
    const logged = harness.logs.filter(
      (line) => line.includes('"requestId":"broken-1"') && line.includes('"level":"error"'),
    );
    expect(logged.some((line) => line.includes("internal.error") && line.includes('"err"'))).toBe(true);
  });

  it("answers 503 upstream.unavailable when no service listens", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/register",
      headers: json,
      payload: credentials,
    });
    expect(response.statusCode).toBe(503);
    expect(problemOf(response).code).toBe("upstream.unavailable");
  });

  it("answers 504 upstream.timeout when the service never replies", async () => {
    const started = Date.now();
    const response = await harness.app.inject({ url: "/v1/test/never" });
    expect(response.statusCode).toBe(504);
    expect(problemOf(response).code).toBe("upstream.timeout");
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe("request ids and common headers", () => {
  it("echoes a sane x-request-id and carries it to the service", async () => {
    const requestId = `client-${randomUUID()}`;
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { ...json, "x-request-id": requestId },
      payload: credentials,
    });
    expect(response.headers["x-request-id"]).toBe(requestId);
    expect(harness.received.at(-1)?.requestId).toBe(requestId);
    const lines = harness.logs.filter((line) => line.includes(requestId));
    expect(
      lines.some((line) => line.includes('"route":"/v1/auth/login"') && line.includes('"status":200')),
    ).toBe(true);
  });

  it.each([
    ["too long", "a".repeat(200)],
    ["with spaces", "two words"],
    ["with a newline", "abc\\ninjected"],
  ])("replaces an x-request-id that is %s with a UUID", async (_label, offered) => {
    const response = await harness.app.inject({ url: "/health", headers: { "x-request-id": offered } });
    expect(response.headers["x-request-id"]).not.toBe(offered);
    expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("puts the request id, the API version and no x-powered-by on errors too", async () => {
    const response = await harness.app.inject({ url: "/v1/nothing" });
    expect(response.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers["x-api-version"]).toBe("1");
    expect(response.headers["x-powered-by"]).toBeUndefined();
  });
});

describe("operations endpoints", () => {
  it("reports liveness on /health", async () => {
    const response = await harness.app.inject({ url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(HealthSchema.parse(response.json())).toEqual({ status: "ok" });
  });

  it("is ready on NATS and Redis alone, so a failed service never takes the API out of rotation", async () => {
    // No service answers its ping yet.
    const ready = await harness.app.inject({ url: "/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ReadinessSchema.parse(ready.json())).toEqual({
      status: "ok",
      checks: { nats: { ok: true }, redis: { ok: true } },
    });
  });

  it("names every service that does not answer on the admin status route, for platform admins only", async () => {
    const statusFor = async (userId: string) => {
      const token = await signAccessToken(key, { userId });
      return harness.app.inject({ url: "/v1/admin/status", headers: { authorization: `Bearer ${token}` } });
    };
    expect((await statusFor(randomUUID())).statusCode).toBe(403);
    expect((await harness.app.inject({ url: "/v1/admin/status" })).statusCode).toBe(401);
    const admin = randomUUID();
    harness.access.admins.add(admin);
    const status = () => statusFor(admin);

    harness.services.auth.servePing();
    harness.services.user.servePing();
    const partial = await status();
    expect(partial.statusCode).toBe(200);
    const body = PlatformStatusSchema.parse(partial.json());
    expect(body.status).toBe("degraded");
    const failing = Object.entries(body.checks)
      .filter(([, check]) => !check.ok)
      .map(([name]) => name)
      .sort();
    expect(failing).toEqual(["ingestion", "job-scheduler", "memory", "outbound"]);
    expect(body.checks.nats).toEqual({ ok: true });
    expect(body.checks.redis).toEqual({ ok: true });
    expect(body.checks.memory?.detail).toBeTruthy();

    for (const service of ["memory", "ingestion", "outbound", "job-scheduler"] as const) {
      harness.services[service].servePing();
    }
    const all = PlatformStatusSchema.parse((await status()).json());
    expect(all.status).toBe("ok");
    expect(Object.keys(all.checks).sort()).toEqual(["nats", "redis", ...PLATFORM_SERVICES].sort());
    expect(Object.values(all.checks).every((check) => check.ok)).toBe(true);
  });

  it("exposes request durations by route pattern and upstream latency on /metrics", async () => {
    await harness.app.inject({ url: `/v1/test/items/${randomUUID()}` });
    await harness.app.inject({ url: "/v1/probing/for/secrets" });
    const response = await harness.app.inject({ url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    expect(response.body).toMatch(
      /http_request_duration_seconds_bucket\{[^}]*route="\/v1\/test\/items\/:itemId"/,
    );
    expect(response.body).not.toMatch(/route="\/v1\/test\/items\/[0-9a-f]{8}-/);
    expect(response.body).not.toContain("probing");
    expect(response.body).toMatch(
      /gateway_upstream_request_duration_seconds_count\{[^}]*operation="svc\.memory\.test\.item\.get",outcome="ok"\}/,
    );
  });

  it("serves the public JWKS with a five-minute public cache", async () => {
    const response = await harness.app.inject({ url: "/.well-known/jwks.json" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["cache-control"]).toBe("public, max-age=300");
    expect(response.json()).toEqual({ keys: [key.publicJwk] });
  });

  it("serves over real HTTP when listening", async () => {
    const address = await harness.app.listen({ port: 0, host: "127.0.0.1" });
    const response = await fetch(`${address}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-api-version")).toBe("1");
    expect(response.headers.get("x-powered-by")).toBeNull();
  });
});

describe("the caller's profile", () => {
  it("reaches the service with the caller as x-actor and the request id", async () => {
    const userId = randomUUID();
    const token = await signAccessToken(key, { userId });
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const response = await harness.app.inject({
      url: "/v1/users/me",
      headers: { authorization: `Bearer ${token}`, "x-request-id": "me-1", traceparent },
    });
    expect(response.statusCode).toBe(200);
    expect(ProfileSchema.parse(response.json()).id).toBe(userId);
    expect(harness.received.at(-1)).toMatchObject({ actor: userId, requestId: "me-1", traceparent });
    expect(harness.logs.join("\n")).not.toContain(token);
  });
});
