/**
 * The gateway's overhead on this machine: `GET /v1/users/me` through the whole stack (token check,
 * rate limit in Redis, NATS round trip to the user service, its Postgres read) against a minimal
 * Fastify + Postgres route doing the same token check and read in one process, in the same run.
 * The target (issue 4) is against that minimal route, which verifies the token's signature on every
 * request (docs/decisions/0029). A second single-process route that remembers verified tokens, as
 * the gateway does, is measured too: its ratio is the cost of the hops alone, and is printed as such.
 * Rounds alternate the three targets and the medians are printed, so a noisy moment on this shared
 * 2-core machine does not land on one of them. Then a fixed-rate phase through the gateway.
 * Load comes from autocannon in its own process.
 *   npm run bench:gateway [-- --seconds 5 --rounds 3 --connections 20 --rate 500]
 */
import { parseArgs } from "node:util";
import { JwksSchema } from "@tessera/contracts";
import { startStack } from "@tessera/testing";
import Fastify from "fastify";
import { createLocalJWKSet, jwtVerify } from "jose";
import pg from "pg";
import { accountWithProfile, autocannon, failuresOf, type LoadResult } from "../lib/gateway-load.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "20" },
    rate: { type: "string", default: "500" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
/** Issue 4: the gateway's throughput within 2.5x of the minimal route's; p99 under 50 ms at 500 req/s. */
const TARGET_RATIO = 2.5;
const TARGET_P99_MS = 50;
const connections = Number(values.connections);
const rate = Number(values.rate);
const UNLIMITED = "1000000/1m";

/** autocannon in a child process, so the load generator does not share an event loop with the baseline. */
function load(
  url: string,
  token: string,
  opts: { duration?: number; rate?: number } = {},
): Promise<LoadResult> {
  return autocannon(url, { seconds: opts.duration ?? seconds, connections, rate: opts.rate, token });
}

/** The same work as the gateway path, in one process: verify the token, read the profile row. */
async function startBaseline(databaseUrl: string, jwksUrl: string, cacheTokens: boolean) {
  const jwks = createLocalJWKSet(JwksSchema.parse(await (await fetch(jwksUrl)).json()));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const app = Fastify();
  // With `cacheTokens`, verified tokens are remembered until they expire, as the gateway does.
  const verified = new Map<string, { sub?: string; exp?: number }>();
  app.get("/v1/users/me", async (request, reply) => {
    const token = request.headers.authorization?.replace(/^Bearer /, "") ?? "";
    let payload = verified.get(token);
    if (payload === undefined || (payload.exp ?? 0) <= Date.now() / 1000) {
      ({ payload } = await jwtVerify(token, jwks, { algorithms: ["EdDSA", "ES256"] }));
      if (cacheTokens) verified.set(token, payload);
    }
    const { rows } = await pool.query(
      "SELECT user_id, email, display_name, roles, preferences, created_at FROM users.profiles WHERE user_id = $1",
      [payload.sub],
    );
    const row = rows[0];
    if (row === undefined) return reply.code(404).send({ code: "user.not_found" });
    return {
      id: row.user_id,
      email: row.email,
      displayName: row.display_name,
      roles: row.roles,
      preferences: row.preferences,
      createdAt: new Date(row.created_at).toISOString(),
    };
  });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url: `${address}/v1/users/me`, close: async () => Promise.all([app.close(), pool.end()]) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** The run with the median throughput, so its latencies belong to the same run. */
function medianResult(results: LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.requests.average - b.requests.average);
  const picked = sorted[Math.floor((sorted.length - 1) / 2)];
  if (picked === undefined) throw new Error("no runs");
  return picked;
}

const line = (label: string, result: LoadResult) =>
  `${label.padEnd(28)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(4)} ms   non-2xx ${failuresOf(result)}`;

const stack = await startStack({
  env: {
    LOG_LEVEL: "warn",
    RATE_LIMIT_READ: UNLIMITED,
    RATE_LIMIT_WRITE: UNLIMITED,
    RATE_LIMIT_AUTH_REGISTER: UNLIMITED,
  },
});
try {
  const { accessToken, meUrl: gatewayUrl } = await accountWithProfile(stack.gatewayUrl);
  const jwksUrl = `${stack.gatewayUrl}/.well-known/jwks.json`;
  const minimal = await startBaseline(stack.database.url, jwksUrl, false);
  const cached = await startBaseline(stack.database.url, jwksUrl, true);
  try {
    const targets = { gateway: gatewayUrl, minimal: minimal.url, cached: cached.url };
    for (const url of Object.values(targets)) await load(url, accessToken, { duration: 5 });
    const runs: Record<keyof typeof targets, LoadResult[]> = { gateway: [], minimal: [], cached: [] };
    for (let round = 0; round < rounds; round++) {
      for (const [name, url] of Object.entries(targets) as [keyof typeof targets, string][]) {
        runs[name].push(await load(url, accessToken));
      }
    }
    const fixedRate = await load(gatewayUrl, accessToken, { rate, duration: 10 });
    const ratios = (baseline: LoadResult[]) =>
      baseline.map((result, round) => result.requests.average / (runs.gateway[round]?.requests.average ?? 1));
    const verifyEach = median(ratios(runs.minimal));
    const tokensCached = median(ratios(runs.cached));
    console.log(
      `GET /v1/users/me, ${connections} connections, ${rounds} rounds of ${seconds} s each, medians (shared 2-core machine)`,
    );
    console.log(line("gateway (whole stack)", medianResult(runs.gateway)));
    console.log(line("single process, verify each", medianResult(runs.minimal)));
    console.log(line("single process, tokens cached", medianResult(runs.cached)));
    console.log(
      `minimal route / gateway throughput: ${verifyEach.toFixed(2)}x (target < ${TARGET_RATIO}x: ${verifyEach < TARGET_RATIO ? "met" : "NOT met"})`,
    );
    console.log(
      `tokens-cached route / gateway throughput: ${tokensCached.toFixed(2)}x (the hops alone; no target)`,
    );
    console.log(
      `${line(`gateway at ${rate} req/s fixed`, fixedRate)}   (p99 target < ${TARGET_P99_MS} ms: ${fixedRate.latency.p99 < TARGET_P99_MS ? "met" : "NOT met"})`,
    );
  } finally {
    await Promise.all([minimal.close(), cached.close()]);
  }
} finally {
  await stack.stop();
}
