import { randomUUID } from "node:crypto";
import { ProblemSchema, ProfileSchema, TokenPairSchema } from "@tessera/contracts";
import { TEST_PASSWORD as password, stackClient, uniqueEmail } from "@tessera/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "../support/stack.ts";

const stack = useStack({ env: { RATE_LIMIT_AUTH_LOGIN: "5/1h" } });

const { post, eventually } = stackClient(() => stack.gatewayUrl);

/** `Set-Cookie` lines → a `Cookie` header and the CSRF value. */
function cookiesFrom(response: Response): { cookie: string; csrf: string } {
  const pairs = response.headers.getSetCookie().map((line) => line.split(";")[0] ?? "");
  const csrf = pairs.find((pair) => pair.startsWith("__Host-csrf="))?.slice("__Host-csrf=".length) ?? "";
  return { cookie: pairs.join("; "), csrf };
}

describe("the gateway in front of the real services", () => {
  it("registers one account from parallel requests sharing an Idempotency-Key", async () => {
    const email = uniqueEmail("edge");
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        post("/v1/auth/register", { email, password }, { "idempotency-key": key }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 201 || status === 409)).toBe(true);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(1);
    const conflicts = await Promise.all(responses.filter((r) => r.status === 409).map((r) => r.json()));
    for (const conflict of conflicts)
      expect(ProblemSchema.parse(conflict).code).toBe("idempotency.in_flight");
    const bodies = await Promise.all(responses.filter((r) => r.status === 201).map((r) => r.json()));
    const ids = new Set(bodies.map((body) => TokenPairSchema.parse(body).user.id));
    expect(ids.size).toBe(1);

    const replay = await post("/v1/auth/register", { email, password }, { "idempotency-key": key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const other = await post(
      "/v1/auth/register",
      { email: uniqueEmail("edge"), password },
      { "idempotency-key": key },
    );
    expect(other.status).toBe(422);
  });

  it("signs a browser in with cookies, reads with them and refreshes with the CSRF token", async () => {
    const email = uniqueEmail("edge");
    expect((await post("/v1/auth/register", { email, password })).status).toBe(201);
    const login = await post("/v1/auth/login", { email, password }, { "x-token-transport": "cookie" });
    expect(login.status).toBe(200);
    const body = z.looseObject({ accessToken: z.string().optional() }).parse(await login.json());
    expect(body.accessToken).toBeUndefined();
    const { cookie, csrf } = cookiesFrom(login);

    const me = await eventually(
      () => fetch(`${stack.gatewayUrl}/v1/users/me`, { headers: { cookie } }),
      (status) => status === 404,
    );
    expect(me.status).toBe(200);
    expect(ProfileSchema.parse(await me.json()).email).toBe(email);

    expect((await post("/v1/auth/refresh", {}, { cookie })).status).toBe(403);
    const refreshed = await post("/v1/auth/refresh", {}, { cookie, "x-csrf-token": csrf });
    expect(refreshed.status).toBe(200);
    expect(z.looseObject({}).parse(await refreshed.json())).not.toHaveProperty("refreshToken");
    expect(cookiesFrom(refreshed).csrf).not.toBe(csrf);
  });

  it("stops logins from one address once the login budget is spent", async () => {
    const email = uniqueEmail("edge");
    let limited: Response | undefined;
    let passed = 0;
    for (let attempt = 0; attempt < 7 && limited === undefined; attempt += 1) {
      const response = await post("/v1/auth/login", { email, password: "not the password" });
      if (response.status === 429) limited = response;
      else passed += 1;
    }
    // Five per hour in this stack, shared with the sign-ins of the tests above.
    expect(passed).toBeLessThanOrEqual(5);
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(ProblemSchema.parse(await limited?.json()).code).toBe("rate_limit.exceeded");
  });

  it("serves the OpenAPI document and its docs page", async () => {
    const spec = await fetch(`${stack.gatewayUrl}/openapi.json`);
    expect(spec.status).toBe(200);
    const document = z
      .object({ paths: z.record(z.string(), z.record(z.string(), z.object({ operationId: z.string() }))) })
      .parse(await spec.json());
    expect(document.paths["/v1/users/me"]?.get?.operationId).toBe("userMeGet");
    const docs = await fetch(`${stack.gatewayUrl}/docs`);
    expect(docs.headers.get("content-security-policy")).toContain("script-src 'self'");
  });
});
