import { randomBytes, randomUUID } from "node:crypto";
import { accountsRegister, ProblemSchema, TokenPairSchema } from "@tessera/contracts";
import { TEST_REDIS_URL, testNamespace } from "@tessera/testing";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, VALID_PASSWORD } from "./support/platform.ts";
import { gatewayRoutes } from "./support/test-routes.ts";

const aesKey = (keyId: string) => `${keyId}:${randomBytes(32).toString("base64url")}`;
const FIRST_KEY = aesKey("idem-1");

let harness: Harness;
let redis: Redis;
const namespace = testNamespace("gwidemrest");
/** Every account the fake auth service registered, with the tokens it issued. */
const issued: { email: string; accessToken: string; refreshToken: string }[] = [];

beforeAll(async () => {
  harness = await startHarness(namespace, gatewayRoutes, { IDEMPOTENCY_KEYS: FIRST_KEY });
  harness.services.auth.serve(accountsRegister, async ({ email }) => {
    const tokens = { email, accessToken: `access-${randomUUID()}`, refreshToken: `refresh-${randomUUID()}` };
    issued.push(tokens);
    return { user: { id: randomUUID(), email }, tokenType: "Bearer" as const, expiresIn: 900, ...tokens };
  });
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  redis?.disconnect();
  await harness?.close();
});

function register(email: string, key: string, app: FastifyInstance = harness.app, headers = {}) {
  return app.inject({
    method: "POST",
    url: "/v1/auth/register",
    remoteAddress: "198.51.100.30",
    headers: { "content-type": "application/json", "idempotency-key": key, ...headers },
    payload: JSON.stringify({ email, password: VALID_PASSWORD }),
  });
}

/** Every value the gateway keeps under this test's idempotency keys. */
async function storedValues(): Promise<string[]> {
  const values: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `gw:${namespace}:idem:*`, "COUNT", 1_000);
    cursor = next;
    for (const key of keys) values.push((await redis.get(key)) ?? "");
  } while (cursor !== "0");
  return values;
}

describe("what the gateway keeps for Idempotency-Key replays", () => {
  it("holds no token, password or email of a register in plaintext, and still replays it", async () => {
    const email = `ada-${randomUUID()}@example.com`;
    const key = randomUUID();
    const first = await register(email, key);
    expect(first.statusCode).toBe(201);
    const pair = TokenPairSchema.parse(first.json());

    const values = await storedValues();
    expect(values.length).toBeGreaterThan(0);
    for (const secret of [pair.accessToken, pair.refreshToken, VALID_PASSWORD, email, pair.user.id]) {
      expect(values.filter((value) => value.includes(secret))).toEqual([]);
    }

    const replay = await register(email, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.json()).toEqual(first.json());
    expect(issued.filter((account) => account.email === email)).toHaveLength(1);
  });

  it("replays through a gateway whose ring has a newer key and still lists the old one", async () => {
    const email = `grace-${randomUUID()}@example.com`;
    const key = randomUUID();
    const first = await register(email, key);
    const rotated = await harness.gateway({ IDEMPOTENCY_KEYS: `${aesKey("idem-2")},${FIRST_KEY}` });
    const replay = await register(email, key, rotated, { "x-token-transport": "cookie" });
    expect(replay.statusCode).toBe(201);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    const setCookies = String(replay.headers["set-cookie"]);
    expect(setCookies).toContain(TokenPairSchema.parse(first.json()).refreshToken);
    expect(issued.filter((account) => account.email === email)).toHaveLength(1);
  });

  it("answers 409 idempotency.outcome_unknown, without registering again, where the key that sealed it is gone", async () => {
    const email = `alan-${randomUUID()}@example.com`;
    const key = randomUUID();
    expect((await register(email, key)).statusCode).toBe(201);
    const stranger = await harness.gateway({ IDEMPOTENCY_KEYS: aesKey("idem-3") });
    const replay = await register(email, key, stranger);
    expect(replay.statusCode).toBe(409);
    expect(ProblemSchema.parse(replay.json()).code).toBe("idempotency.outcome_unknown");
    expect(issued.filter((account) => account.email === email)).toHaveLength(1);
  });
});
