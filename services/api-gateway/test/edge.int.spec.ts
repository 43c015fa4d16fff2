import { ProblemSchema } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, VALID_PASSWORD } from "./support/platform.ts";
import { expectProblem, fromInject } from "./support/raw-http.ts";
import { gatewayRoutes } from "./support/test-routes.ts";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness(testNamespace("gwedge"), gatewayRoutes);
});

afterAll(async () => {
  await harness?.close();
});

const json = { "content-type": "application/json" };
const credentials = { email: "ada@example.com", password: VALID_PASSWORD };

describe("security headers", () => {
  it("sets nosniff, frame denial, a locked-down CSP and no x-powered-by on every response", async () => {
    for (const url of ["/health", "/v1/nothing", "/v1/users/me"]) {
      const response = await harness.app.inject({ url });
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["x-frame-options"]).toBe("DENY");
      expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
      expect(response.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
      expect(response.headers["x-powered-by"]).toBeUndefined();
    }
  });

  it("marks auth responses, successes and failures alike, as not storable", async () => {
    const ok = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: credentials,
    });
    expect(ok.headers["cache-control"]).toBe("no-store");
    const failed = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: {},
    });
    expect(failed.headers["cache-control"]).toBe("no-store");
  });

  it("sends HSTS only when the client came over TLS through a trusted proxy", async () => {
    const plain = await harness.app.inject({ url: "/health", headers: { "x-forwarded-proto": "https" } });
    expect(plain.headers["strict-transport-security"]).toBeUndefined();
    const behindProxy = await harness.gateway({ TRUSTED_PROXIES: "1" });
    const tls = await behindProxy.inject({
      url: "/health",
      headers: { "x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.9" },
    });
    expect(tls.headers["strict-transport-security"]).toMatch(/^max-age=\d+/);
  });
});

describe("request limits", () => {
  it("refuses JSON nested deeper than 32 levels with 400 request.too_deep before any service sees it", async () => {
    const seen = harness.received.length;
    const deep = `${"[".repeat(40)}${"]".repeat(40)}`;
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: `{"email":"a@example.com","password":"long enough","x":${deep}}`,
    });
    expect(response.statusCode).toBe(400);
    expect(ProblemSchema.parse(response.json()).code).toBe("request.too_deep");
    expect(harness.received).toHaveLength(seen);
  });

  it("ignores brackets inside strings when measuring depth", async () => {
    const response = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: JSON.stringify({ ...credentials, password: `${"[{".repeat(50)}"\\` }),
    });
    expect(response.statusCode).toBe(401);
  });

  it("applies a route's own body limit below the default", async () => {
    const refresh = await harness.app.inject({
      method: "POST",
      url: "/v1/auth/test-refresh",
      headers: json,
      payload: JSON.stringify({ refreshToken: "x".repeat(400) }),
    });
    expect(refresh.statusCode).toBe(401);
    const things = await harness.app.inject({
      method: "POST",
      url: "/v1/test/things",
      headers: json,
      payload: JSON.stringify({ name: "x".repeat(400) }),
    });
    expect(things.statusCode).toBe(413);
    expect(ProblemSchema.parse(things.json()).code).toBe("request.too_large");
  });
});

describe("the router's own refusals", () => {
  const unmatched = "urn:tessera:request:probe-url";
  const items = "/v1/test/items/{itemId}";
  it.each([
    [
      "a path whose percent-encoding does not decode",
      "/v1/test/items/%E0%A4%Amarker",
      400,
      "request.malformed_url",
      unmatched,
    ],
    [
      "a path parameter over 100 characters",
      `/v1/test/items/${"marker".repeat(20)}`,
      414,
      "request.uri_too_long",
      unmatched,
    ],
    ["a URL over 8 KiB", `/v1/test/items/x?q=${"marker".repeat(1_400)}`, 414, "request.uri_too_long", items],
  ])("answers %s as problem+json without quoting the URL", async (_label, url, status, code, instance) => {
    const response = await harness.app.inject({ url, headers: { "x-request-id": "probe-url" } });
    expect(expectProblem(fromInject(response), status, code).instance).toBe(instance);
    expect(response.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(response.body).not.toContain("marker");
  });
});

describe("JSON charsets", () => {
  it("refuses a JSON body declared in a charset other than UTF-8 with 415 request.unsupported_charset", async () => {
    const seen = harness.received.length;
    for (const charset of ["latin1", "ISO-8859-1", '"utf-16"']) {
      const response = await harness.app.inject({
        method: "POST",
        url: "/v1/auth/login",
        headers: { "content-type": `application/json; charset=${charset}` },
        payload: JSON.stringify(credentials),
      });
      expectProblem(fromInject(response), 415, "request.unsupported_charset");
    }
    expect(harness.received).toHaveLength(seen);
  });

  it("accepts UTF-8 in any spelling of its name, and no charset at all", async () => {
    for (const contentType of [
      "application/json",
      "application/json; charset=utf-8",
      "application/json;charset=UTF-8",
      'application/json; charset="Utf-8"',
    ]) {
      const response = await harness.app.inject({
        method: "POST",
        url: "/v1/auth/login",
        headers: { "content-type": contentType },
        payload: JSON.stringify(credentials),
      });
      expect(response.statusCode, contentType).toBe(200);
    }
  });
});

describe("CORS and hosts", () => {
  let strict: FastifyInstance;

  beforeAll(async () => {
    strict = await harness.gateway({
      CORS_ORIGINS: "https://app.example.com",
      TRUSTED_HOSTS: "api.example.com,localhost:8080",
    });
  });

  it("allows any origin without credentials in development", async () => {
    const preflight = await harness.app.inject({
      method: "OPTIONS",
      url: "/v1/users/me",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "GET" },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("*");
    expect(preflight.headers["access-control-allow-credentials"]).toBeUndefined();
  });

  it("allows only listed origins, with credentials, when an allow-list is set", async () => {
    const allowed = await strict.inject({
      method: "OPTIONS",
      url: "/v1/users/me",
      headers: {
        host: "api.example.com",
        origin: "https://app.example.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-csrf-token",
      },
    });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(allowed.headers["access-control-allow-credentials"]).toBe("true");
    expect(allowed.headers["access-control-allow-headers"]).toContain("x-csrf-token");

    const actual = await strict.inject({
      url: "/health",
      headers: { host: "api.example.com", origin: "https://app.example.com" },
    });
    expect(actual.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(actual.headers["access-control-expose-headers"]).toContain("ratelimit-remaining");

    const other = await strict.inject({
      method: "OPTIONS",
      url: "/v1/users/me",
      headers: {
        host: "api.example.com",
        origin: "https://evil.example",
        "access-control-request-method": "GET",
      },
    });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("refuses a Host outside the trusted list with 400", async () => {
    const good = await strict.inject({ url: "/health", headers: { host: "localhost:8080" } });
    expect(good.statusCode).toBe(200);
    const bad = await strict.inject({ url: "/health", headers: { host: "evil.example" } });
    expect(bad.statusCode).toBe(400);
    expect(ProblemSchema.parse(bad.json()).code).toBe("request.untrusted_host");
  });
});
