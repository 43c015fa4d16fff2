import { type Bus, connectNats, createBus } from "@tessera/bus";
import {
  ProblemSchema,
  routes,
  SessionPageSchema,
  type TokenPair,
  TokenPairSchema,
} from "@tessera/contracts";
import { createLogger } from "@tessera/service-kit";
import { TEST_PASSWORD as password, stackClient, TEST_NATS_URL, TEST_REDIS_URL } from "@tessera/testing";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildGateway } from "../../src/app/build-gateway.ts";
import { createRedis } from "../../src/infra/redis.ts";
import { testSettings } from "../support/platform.ts";
import { useStack } from "../support/stack.ts";

const stack = useStack();
const { call, post, register } = stackClient(() => stack.gatewayUrl);

/** Issue 10: another gateway replica refuses a revoked session's tokens within 1 s. */
const REPLICA_DEADLINE_MS = 1_000;

/** A second gateway replica on the stack's bus namespace, in this process. */
let replica: { app: FastifyInstance; bus: Bus; redis: Redis; close(): Promise<void> };

beforeAll(async () => {
  const logger = createLogger({ service: "api-gateway", level: "warn" });
  const nc = await connectNats({ servers: TEST_NATS_URL, name: "gateway-replica", logger });
  const bus = createBus(nc, { service: "api-gateway", namespace: stack.namespace, logger });
  const redis = createRedis(TEST_REDIS_URL, logger);
  const app = await buildGateway({ bus, redis, logger, config: testSettings(stack.namespace), routes });
  await app.ready();
  replica = {
    app,
    bus,
    redis,
    async close() {
      await app.close();
      await bus.drain();
      await nc.drain();
      redis.disconnect();
    },
  };
});

afterAll(async () => {
  await replica?.close();
});

const sessionOf = (pair: TokenPair) => String(decodeJwt(pair.accessToken).sid);
const listOn = (token: string) => call("GET", "/v1/auth/sessions?limit=50", token);
const listOnReplica = (token: string) =>
  replica.app.inject({ url: "/v1/auth/sessions?limit=50", headers: { authorization: `Bearer ${token}` } });

async function login(email: string): Promise<TokenPair> {
  const response = await post("/v1/auth/login", { email, password });
  expect(response.status).toBe(200);
  return TokenPairSchema.parse(await response.json());
}

/** The replica serves the token (its keys have arrived), so a later 401 means the session, not the key. */
async function acceptedByReplica(pair: TokenPair): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await listOnReplica(pair.accessToken)).statusCode !== 200) {
    if (Date.now() > deadline) throw new Error("the replica never accepted the token");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function expectRefusedHere(pair: TokenPair): Promise<void> {
  const response = await listOn(pair.accessToken);
  expect(response.status).toBe(401);
  expect(ProblemSchema.parse(await response.json()).code).toBe("auth.session_revoked");
}

/** Ms from `since` until the replica refuses the token, polling; fails past the deadline. */
async function refusedByReplicaWithin(pair: TokenPair, since: number): Promise<number> {
  for (;;) {
    const response = await listOnReplica(pair.accessToken);
    const elapsed = performance.now() - since;
    if (response.statusCode === 401) {
      expect(ProblemSchema.parse(response.json()).code).toBe("auth.session_revoked");
      return elapsed;
    }
    expect(response.statusCode).toBe(200);
    expect(elapsed, "the replica still accepts the revoked session's token").toBeLessThan(
      REPLICA_DEADLINE_MS,
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("a revoked session's access token", () => {
  it("is refused after logout by the gateway that answered 204 on the very next request, and by another within 1 s", async () => {
    const pair = await register();
    await acceptedByReplica(pair);
    const out = await call("POST", "/v1/auth/logout", pair.accessToken, { refreshToken: pair.refreshToken });
    const answered = performance.now();
    expect(out.status).toBe(204);
    expect(await out.text()).toBe("");
    await expectRefusedHere(pair);
    expect(await refusedByReplicaWithin(pair, answered)).toBeLessThan(REPLICA_DEADLINE_MS);
  });

  it("is refused after DELETE /v1/auth/sessions/{id} at once there and within 1 s elsewhere; the caller's own session lives on", async () => {
    const first = await register();
    const second = await login(first.user.email);
    await acceptedByReplica(first);
    const revoked = await call("DELETE", `/v1/auth/sessions/${sessionOf(first)}`, second.accessToken);
    const answered = performance.now();
    expect(revoked.status).toBe(204);
    await expectRefusedHere(first);
    expect(await refusedByReplicaWithin(first, answered)).toBeLessThan(REPLICA_DEADLINE_MS);
    expect((await listOn(second.accessToken)).status).toBe(200);
    expect((await listOnReplica(second.accessToken)).statusCode).toBe(200);
  });

  it("is refused, for each other session, after a password change at once there and within 1 s elsewhere; the current one lives on", async () => {
    const current = await register();
    const others = [await login(current.user.email), await login(current.user.email)];
    for (const other of others) await acceptedByReplica(other);
    const changed = await call("POST", "/v1/auth/password", current.accessToken, {
      currentPassword: password,
      newPassword: "a new and better passphrase",
    });
    const answered = performance.now();
    expect(changed.status).toBe(204);
    for (const other of others) await expectRefusedHere(other);
    for (const other of others) {
      expect(await refusedByReplicaWithin(other, answered)).toBeLessThan(REPLICA_DEADLINE_MS);
    }
    const page = SessionPageSchema.parse(await (await listOn(current.accessToken)).json());
    expect(page.items.map((session) => session.id)).toEqual([sessionOf(current)]);
    expect((await listOnReplica(current.accessToken)).statusCode).toBe(200);
  });
});
