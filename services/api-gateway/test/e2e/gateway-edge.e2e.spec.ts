import { randomUUID } from "node:crypto";
import { ProblemSchema, ProfileSchema, TokenPairSchema } from "@tessera/contracts";
import { TEST_PASSWORD as password, stackClient, TEST_REDIS_URL, uniqueEmail } from "@tessera/testing";
import { Redis } from "ioredis";
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

/** Every value the stack's gateway keeps for Idempotency-Key replays. */
async function storedIdempotencyValues(): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", `gw:${stack.namespace}:idem:*`, "COUNT", 1_000);
      cursor = next;
      keys.push(...found);
    } while (cursor !== "0");
    return await Promise.all(keys.map(async (key) => (await redis.get(key)) ?? ""));
  } finally {
    redis.disconnect();
  }
}

describe("the gateway in front of the real services", () => {
  it("registers one account from parallel requests sharing an Idempotency-Key, keeping no token in plaintext", async () => {
    const email = uniqueEmail("edge");
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        post("/v1/auth/register", { email, password }, { "idempotency-key": key }),
      ),
    );
    // The repeats wait for the first registration and replay it.
    expect(responses.map((response) => response.status)).toEqual(Array(6).fill(201));
    expect(responses.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(5);
    const bodies = await Promise.all(responses.map((r) => r.json()));
    const pairs = bodies.map((body) => TokenPairSchema.parse(body));
    expect(new Set(pairs.map((pair) => pair.user.id)).size).toBe(1);

    const stored = await storedIdempotencyValues();
    expect(stored.length).toBeGreaterThan(0);
    for (const secret of [pairs[0]?.accessToken, pairs[0]?.refreshToken, email, password]) {
      expect(stored.filter((value) => value.includes(String(secret)))).toEqual([]);
    }

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
