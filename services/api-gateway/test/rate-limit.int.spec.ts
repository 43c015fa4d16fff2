import { randomUUID } from "node:crypto";
import { ProblemSchema } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, VALID_PASSWORD } from "./support/platform.ts";
import { gatewayRoutes } from "./support/test-routes.ts";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness(testNamespace("gwrl"), gatewayRoutes);
});

afterAll(async () => {
  await harness?.close();
});

const itemUrl = () => `/v1/test/items/${randomUUID()}`;

function login(app: FastifyInstance, email: string, remoteAddress: string) {
  return app.inject({
    method: "POST",
    url: "/v1/auth/login",
    remoteAddress,
    headers: { "content-type": "application/json" },
    payload: { email, password: VALID_PASSWORD },
  });
}

describe("rate limits", () => {
  it("announces the budget in RateLimit headers and answers 429 with Retry-After once it is spent", async () => {
    const app = await harness.gateway({ RATE_LIMIT_READ: "3/1h" });
    const remoteAddress = "198.51.100.10";
    const first = await app.inject({ url: itemUrl(), remoteAddress });
    expect(first.statusCode).toBe(200);
    expect(first.headers["ratelimit-limit"]).toBe("3");
    expect(first.headers["ratelimit-remaining"]).toBe("2");
    expect(first.headers["ratelimit-policy"]).toBe("3;w=3600");
    expect(Number(first.headers["ratelimit-reset"])).toBeGreaterThan(0);
    await app.inject({ url: itemUrl(), remoteAddress });
    const third = await app.inject({ url: itemUrl(), remoteAddress });
    expect(third.headers["ratelimit-remaining"]).toBe("0");

    const limited = await app.inject({ url: itemUrl(), remoteAddress });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(ProblemSchema.parse(limited.json()).code).toBe("rate_limit.exceeded");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);

    // Another client has its own budget.
    expect((await app.inject({ url: itemUrl(), remoteAddress: "198.51.100.11" })).statusCode).toBe(200);
  });

  it("limits logins per account across addresses, whatever the email's case", async () => {
    const app = await harness.gateway({ RATE_LIMIT_AUTH_LOGIN: "3/1h" });
    const email = `target.${randomUUID().slice(0, 8)}@example.com`;
    const variants = [email, email.toUpperCase(), ` ${email}`];
    for (const [index, variant] of variants.entries()) {
      expect((await login(app, variant, `203.0.113.${index + 1}`)).statusCode).toBe(200);
    }
    const fourth = await login(app, email, "203.0.113.99");
    expect(fourth.statusCode).toBe(429);
    // Someone else's account from a fresh address is untouched.
    expect(
      (await login(app, `other.${randomUUID().slice(0, 8)}@example.com`, "203.0.113.98")).statusCode,
    ).toBe(200);
  });

  it("limits logins per address across accounts", async () => {
    const app = await harness.gateway({ RATE_LIMIT_AUTH_LOGIN: "3/1h" });
    const address = "203.0.113.200";
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(
        (await login(app, `user${attempt}.${randomUUID().slice(0, 6)}@example.com`, address)).statusCode,
      ).toBe(200);
    }
    expect((await login(app, `fresh.${randomUUID().slice(0, 6)}@example.com`, address)).statusCode).toBe(429);
  });

  it("never lets a spoofed X-Forwarded-For reset the limit when no proxy is trusted", async () => {
    const app = await harness.gateway({ RATE_LIMIT_READ: "2/1h" });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await app.inject({
        url: itemUrl(),
        remoteAddress: "198.51.100.50",
        headers: { "x-forwarded-for": `10.9.8.${attempt}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([200, 200, 429, 429, 429]);
  });

  it("keys on the address a trusted proxy reports, and only reads from the right", async () => {
    const app = await harness.gateway({ RATE_LIMIT_READ: "2/1h", TRUSTED_PROXIES: "10.0.0.0/8" });
    const viaProxy = (forwardedFor: string) =>
      app.inject({ url: itemUrl(), remoteAddress: "10.1.2.3", headers: { "x-forwarded-for": forwardedFor } });
    expect((await viaProxy("192.0.2.1")).statusCode).toBe(200);
    expect((await viaProxy("192.0.2.1")).statusCode).toBe(200);
    expect((await viaProxy("192.0.2.1")).statusCode).toBe(429);
    // A client prepending its own entry is still the address the proxy saw.
    expect((await viaProxy("6.6.6.6, 192.0.2.1")).statusCode).toBe(429);
    // Two clients behind the same proxy are counted apart.
    expect((await viaProxy("192.0.2.2")).statusCode).toBe(200);
  });

  it("counts IPv6 clients per /64", async () => {
    const app = await harness.gateway({ RATE_LIMIT_READ: "2/1h" });
    expect((await app.inject({ url: itemUrl(), remoteAddress: "2001:db8:1:2::1" })).statusCode).toBe(200);
    expect((await app.inject({ url: itemUrl(), remoteAddress: "2001:db8:1:2:ffff::9" })).statusCode).toBe(
      200,
    );
    expect((await app.inject({ url: itemUrl(), remoteAddress: "2001:db8:1:2::abcd" })).statusCode).toBe(429);
    expect((await app.inject({ url: itemUrl(), remoteAddress: "2001:db8:1:3::1" })).statusCode).toBe(200);
  });

  it("lets exactly 100 of 500 parallel requests through two gateways sharing Redis", async () => {
    const env = { RATE_LIMIT_READ: "100/1h" };
    const [first, second] = await Promise.all([harness.gateway(env), harness.gateway(env)]);
    const remoteAddress = "198.51.100.77";
    const responses = await Promise.all(
      Array.from({ length: 500 }, (_, index) =>
        (index % 2 === 0 ? first : second).inject({ url: itemUrl(), remoteAddress }),
      ),
    );
    const counts = new Map<number, number>();
    for (const response of responses)
      counts.set(response.statusCode, (counts.get(response.statusCode) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({ 200: 100, 429: 400 });
  });
});

describe("when Redis does not answer", () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await harness.gateway({}, "redis://127.0.0.1:1");
  });

  it("fails closed on auth routes with a 503 problem", async () => {
    const response = await login(app, "ada@example.com", "198.51.100.1");
    expect(response.statusCode).toBe(503);
    expect(ProblemSchema.parse(response.json()).code).toBe("rate_limit.unavailable");
  });

  it("fails open on reads and writes, without RateLimit headers", async () => {
    const read = await app.inject({ url: itemUrl(), remoteAddress: "198.51.100.1" });
    expect(read.statusCode).toBe(200);
    expect(read.headers["ratelimit-limit"]).toBeUndefined();
    const write = await app.inject({ method: "DELETE", url: itemUrl(), remoteAddress: "198.51.100.1" });
    expect(write.statusCode).toBe(204);
  });

  it("counts both decisions in a metric and reports Redis as not ready", async () => {
    const metrics = (await app.inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(
      /gateway_rate_limit_decisions_total\{[^}]*class="auth-login",decision="redis_down_closed"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /gateway_rate_limit_decisions_total\{[^}]*class="read",decision="redis_down_open"[^}]*\} [1-9]/,
    );
    const ready = await app.inject({ url: "/ready" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.redis.ok).toBe(false);
  });
});
