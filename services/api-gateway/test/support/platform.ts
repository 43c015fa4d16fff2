import { randomUUID } from "node:crypto";
import { type Bus, connectNats, createBus } from "@tessera/bus";
import {
  accessGet,
  JWKS_KV,
  type MessageContext,
  meGet,
  type PLATFORM_SERVICES,
  type ProjectRole,
  type RouteDefinition,
  sessionsLogin,
  UnauthorizedError,
} from "@tessera/contracts";
import { createLogger, parseConfig } from "@tessera/service-kit";
import { TEST_NATS_URL, TEST_REDIS_URL } from "@tessera/testing";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { buildGateway } from "../../src/app/build-gateway.ts";
import { type GatewaySettings, gatewayConfigSchema, gatewaySettings } from "../../src/config.ts";
import { createRedis } from "../../src/infra/redis.ts";
import {
  adminEcho,
  brokenReply,
  createThing,
  deleteItem,
  endSession,
  getItem,
  neverAnswers,
  projectEcho,
  rawEcho,
  rawOrJsonEcho,
  refreshTokens,
} from "./test-routes.ts";
import type { SigningKey } from "./tokens.ts";

export const VALID_PASSWORD = "correct horse battery staple";

type PlatformService = (typeof PLATFORM_SERVICES)[number];

export interface Harness {
  readonly app: FastifyInstance;
  readonly nc: Bus["nc"];
  readonly services: Readonly<Record<PlatformService, Bus>>;
  /** Every context the fake services received, newest last. */
  readonly received: MessageContext[];
  /** What the fake user service answers to `access.get`; change it to change a caller's access. */
  readonly access: AccessTable;
  /** Things the fake memory service created through `POST /v1/test/things`. */
  readonly createdThings: string[];
  /** Another gateway on the same bus namespace, e.g. with other limits or another Redis. */
  gateway(env?: Record<string, string>, redisUrl?: string): Promise<FastifyInstance>;
  /** Every log line the gateway wrote, as JSON text. */
  readonly logs: string[];
  /** Publishes a JWKS the way `auth` does, and waits until the gateway serves it. */
  publishKeys(keys: readonly SigningKey[]): Promise<void>;
  close(): Promise<void>;
}

/** The gateway's settings as `main.ts` would parse them from `env`, with small time-outs and bodies. */
export function testSettings(namespace: string, env: Record<string, string> = {}): GatewaySettings {
  return gatewaySettings(
    parseConfig(gatewayConfigSchema, {
      UPSTREAM_TIMEOUT_MS: "400",
      BODY_LIMIT_BYTES: "8192",
      RATE_LIMIT_READ: "100000/1m",
      RATE_LIMIT_WRITE: "100000/1m",
      RATE_LIMIT_AUTH_LOGIN: "100000/1m",
      RATE_LIMIT_AUTH_REGISTER: "100000/1m",
      RATE_LIMIT_AUTH_RECOVER: "100000/1m",
      BUS_NAMESPACE: namespace,
      ...env,
    }),
  );
}

export interface AccessTable {
  admins: Set<string>;
  /** `userId/projectId` → role. */
  memberships: Map<string, ProjectRole>;
  /** How many times `access.get` was asked. */
  lookups: number;
  /** How many of the next `access.get` the fake takes and answers only after the gateway gave up. */
  unanswered: number;
}

/** How long an unanswered `access.get` is held: past the test gateway's 400 ms upstream time-out. */
const UNANSWERED_HOLD_MS = 1_000;

function serveFakeServices(
  services: Record<PlatformService, Bus>,
  received: MessageContext[],
  access: AccessTable,
  createdThings: string[],
): void {
  services.user.serve(accessGet, async ({ userId, projectId }) => {
    access.lookups += 1;
    if (access.unanswered > 0) {
      access.unanswered -= 1;
      await new Promise((resolve) => setTimeout(resolve, UNANSWERED_HOLD_MS));
    }
    return {
      platformRoles: access.admins.has(userId) ? ["admin" as const] : [],
      projectRole:
        projectId === undefined ? null : (access.memberships.get(`${userId}/${projectId}`) ?? null),
    };
  });
  services.memory.serve(createThing, async ({ name }, ctx) => {
    received.push(ctx);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const id = randomUUID();
    createdThings.push(id);
    return { id, name };
  });
  services.memory.serve(projectEcho, async ({ projectId }, ctx) => {
    received.push(ctx);
    return { projectId, projectRole: ctx.projectRole ?? null };
  });
  services["job-scheduler"].serve(adminEcho, async (_request, ctx) => {
    received.push(ctx);
    return { ok: true as const };
  });
  services.auth.serve(refreshTokens, async ({ refreshToken }, ctx) => {
    received.push(ctx);
    if (refreshToken !== "refresh-token-from-auth") {
      throw new UnauthorizedError("auth.refresh_invalid", "The refresh token is not valid.");
    }
    return {
      user: { id: "7b6f4a84-8d43-4b39-9b38-3a1f6f3b51f1", email: "ada@example.com" },
      accessToken: "rotated-access-token",
      refreshToken: "rotated-refresh-token",
      tokenType: "Bearer" as const,
      expiresIn: 900,
    };
  });
  services.auth.serve(endSession, async (_request, ctx) => {
    received.push(ctx);
    return null;
  });
  services.auth.serve(sessionsLogin, async (credentials, ctx) => {
    received.push(ctx);
    if (credentials.password !== VALID_PASSWORD) {
      throw new UnauthorizedError("auth.invalid_credentials", "The email or the password is wrong.");
    }
    return {
      user: { id: "7b6f4a84-8d43-4b39-9b38-3a1f6f3b51f1", email: credentials.email },
      accessToken: "access-token-from-auth",
      refreshToken: "refresh-token-from-auth",
      tokenType: "Bearer" as const,
      expiresIn: 900,
    };
  });
  services.user.serve(meGet, async (_request, ctx) => {
    received.push(ctx);
    return {
      id: ctx.actor ?? "",
      email: "ada@example.com",
      displayName: "Ada",
      roles: [],
      preferences: { theme: "dark" },
      createdAt: "2026-01-01T00:00:00.000Z",
    };
  });
  services.memory.serve(getItem, async ({ itemId, limit }, ctx) => {
    received.push(ctx);
    return { itemId, limit: limit ?? null };
  });
  services.memory.serve(brokenReply, async () => ({ value: "internal detail 42" }));
  services.memory.serve(rawEcho, async (request, ctx) => {
    received.push(ctx);
    return request;
  });
  services.memory.serve(rawOrJsonEcho, async ({ raw, name }, ctx) => {
    received.push(ctx);
    return { raw: raw ?? null, name: name ?? null };
  });
  services.memory.serve(deleteItem, async (_request, ctx) => {
    received.push(ctx);
    return null;
  });
}

/**
 * A gateway in-process on a fresh bus namespace, with small real services behind it on NATS:
 * `auth` refuses every password but one, `user` returns the caller's profile, `memory` answers the
 * test routes and holds one operation open forever. Ping responders are left to each test.
 */
export async function startHarness(
  namespace: string,
  routes: readonly RouteDefinition[],
  env: Record<string, string> = {},
): Promise<Harness> {
  const logs: string[] = [];
  const sink = { write: (line: string) => void logs.push(line.trimEnd()) };
  const logger = createLogger({ service: "api-gateway", level: "debug", destination: sink });
  const quiet = createLogger({ service: "gateway-test", level: "warn" });
  const nc = await connectNats({ servers: TEST_NATS_URL, name: `gateway-test-${namespace}`, logger: quiet });
  const busFor = (service: PlatformService) => createBus(nc, { service, namespace, logger: quiet });
  const services = {
    auth: busFor("auth"),
    user: busFor("user"),
    memory: busFor("memory"),
    ingestion: busFor("ingestion"),
    outbound: busFor("outbound"),
    "job-scheduler": busFor("job-scheduler"),
  };
  const received: MessageContext[] = [];
  const access: AccessTable = { admins: new Set(), memberships: new Map(), lookups: 0, unanswered: 0 };
  const createdThings: string[] = [];
  serveFakeServices(services, received, access, createdThings);
  // Held open and never answered: the gateway must give up after its upstream time-out.
  const silent = nc.subscribe(`${namespace}.${neverAnswers.subject}`);

  const bus = createBus(nc, { service: "api-gateway", namespace, logger: quiet });
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const app = await buildGateway({ bus, redis, logger, config: testSettings(namespace, env), routes });
  await app.ready();

  const jwksKv = await services.auth.kv(JWKS_KV.bucket);
  const extra: { app: FastifyInstance; redis: Redis }[] = [];
  return {
    app,
    nc,
    services,
    received,
    access,
    createdThings,
    logs,
    async gateway(extraEnv = {}, redisUrl = TEST_REDIS_URL) {
      const extraRedis = createRedis(redisUrl, quiet);
      // Commands fail fast while disconnected, so wait for a live Redis (a dead one never gets ready).
      await Promise.race([
        new Promise((resolve) => extraRedis.once("ready", resolve)),
        new Promise((resolve) => setTimeout(resolve, 1_000)),
      ]);
      const extraApp = await buildGateway({
        bus,
        redis: extraRedis,
        logger: quiet,
        config: testSettings(namespace, { ...env, ...extraEnv }),
        routes,
      });
      await extraApp.ready();
      extra.push({ app: extraApp, redis: extraRedis });
      return extraApp;
    },
    async publishKeys(keys) {
      await jwksKv.put(JWKS_KV.key, JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
      const wanted = keys.map((key) => key.kid).sort();
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        const served = (await app.inject({ url: "/.well-known/jwks.json" })).json<{
          keys: { kid: string }[];
        }>();
        if (JSON.stringify(served.keys.map((key) => key.kid).sort()) === JSON.stringify(wanted)) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error("the gateway did not pick up the published JWKS within 5 s");
    },
    async close() {
      for (const other of extra) {
        await other.app.close();
        other.redis.disconnect();
      }
      await app.close();
      silent.unsubscribe();
      await Promise.all(Object.values(services).map((service) => service.drain()));
      await bus.drain();
      await jwksKv.destroy();
      await nc.drain();
      redis.disconnect();
    },
  };
}
