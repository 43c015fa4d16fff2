/**
 * vitest `globalSetup` of the int and e2e projects: decides which servers the run uses (see
 * test-servers.ts). With every server answering, as on a machine that runs them, it changes nothing
 * and never loads testcontainers. Otherwise it starts the missing ones in containers and points
 * DATABASE_URL, NATS_URL and REDIS_URL at them; the test workers, started after it, inherit them.
 * With neither, the run stops on one line saying what is missing.
 */
import { createConnection } from "node:net";
import { Redis } from "ioredis";
import pg from "pg";
import { planTestServers, type ServerProbe, type TestServer } from "./test-servers.ts";
import { TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL } from "./test-urls.ts";

/** How long one server may take to answer a probe, in ms. @default 2_000 */
const PROBE_TIMEOUT_MS = 2_000;

const ENV_OF: Record<TestServer, "DATABASE_URL" | "NATS_URL" | "REDIS_URL"> = {
  postgres: "DATABASE_URL",
  nats: "NATS_URL",
  redis: "REDIS_URL",
};

class NoTestServersError extends Error {
  override name = "NoTestServersError";
  constructor(message: string) {
    super(message);
    // One line in vitest's report: the message says all there is.
    this.stack = `${this.name}: ${message}`;
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * NATS speaks first: its INFO line says whether JetStream is on, before any sign-in, so a URL with
 * credentials needs none of them to be probed.
 */
function natsAnswers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const socket = createConnection({ host: parsed.hostname, port: Number(parsed.port || 4222) });
    let received = "";
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.on("error", () => done(false));
    socket.setEncoding("utf8").on("data", (chunk: string) => {
      received += chunk;
      const end = received.indexOf("\r\n");
      if (end < 0) return;
      const line = received.slice(0, end);
      try {
        done(line.startsWith("INFO ") && JSON.parse(line.slice(5)).jetstream === true);
      } catch {
        done(false);
      }
    });
  });
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export async function probeTestServers(): Promise<Record<TestServer, ServerProbe>> {
  const [postgres, nats, redis] = await Promise.all([
    postgresAnswers(TEST_DATABASE_URL),
    natsAnswers(TEST_NATS_URL),
    redisAnswers(TEST_REDIS_URL),
  ]);
  return {
    postgres: { url: TEST_DATABASE_URL, answers: postgres },
    nats: { url: TEST_NATS_URL, answers: nats },
    redis: { url: TEST_REDIS_URL, answers: redis },
  };
}

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const probes = await probeTestServers();
  // Docker is asked only when a server is missing: testcontainers is not even loaded otherwise.
  if (planTestServers(probes, false).kind === "local") return undefined;
  const containers = await import("./containers.ts");
  const plan = planTestServers(probes, await containers.dockerReachable());
  if (plan.kind === "local") return undefined;
  if (plan.kind === "neither") throw new NoTestServersError(plan.message);
  console.info(`test servers: starting ${plan.start.join(", ")} in containers (Docker)`);
  const started = await containers.startServerContainers(plan.start, (name) => probes[name].url);
  for (const name of plan.start) {
    const url = started.urls[name];
    if (url !== undefined) process.env[ENV_OF[name]] = url;
  }
  return () => started.stop();
}
