/**
 * The gateway's overhead on this machine: `GET /v1/users/me` through the whole stack (token check,
 * rate limit in Redis, NATS round trip to the user service, its Postgres read) against a minimal
 * Fastify + Postgres route doing the same token check and read in one process, in the same run: once
 * verifying the signature on every request (what a minimal route does) and once caching verified
 * tokens as the gateway does, so the second ratio is the cost of the architecture alone.
 * Then a fixed-rate phase through the gateway. Load comes from autocannon in its own process.
 *   npm run bench:gateway [-- --seconds 10 --connections 20 --rate 500]
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { JwksSchema } from "@tessera/contracts";
import { startStack } from "@tessera/testing";
import Fastify from "fastify";
import { createLocalJWKSet, jwtVerify } from "jose";
import pg from "pg";
import { z } from "zod";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "20" },
    rate: { type: "string", default: "500" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const rate = Number(values.rate);
const AUTOCANNON = join(import.meta.dirname, "..", "..", "node_modules", "autocannon", "autocannon.js");
const UNLIMITED = "1000000/1m";

const ResultSchema = z.object({
  requests: z.object({ average: z.number() }),
  latency: z.object({ p50: z.number(), p99: z.number() }),
  non2xx: z.number(),
  errors: z.number(),
  timeouts: z.number(),
});
type Result = z.infer<typeof ResultSchema>;

/** autocannon in a child process, so the load generator does not share an event loop with the baseline. */
async function load(
  url: string,
  token: string,
  opts: { duration?: number; rate?: number } = {},
): Promise<Result> {
  const args = [AUTOCANNON, "-j", "-d", String(opts.duration ?? seconds), "-c", String(connections)];
  if (opts.rate !== undefined) args.push("-R", String(opts.rate));
  args.push("-H", `authorization=Bearer ${token}`, url);
  const output = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
  return ResultSchema.parse(JSON.parse(output));
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

const line = (label: string, result: Result) =>
  `${label.padEnd(28)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(4)} ms   non-2xx ${result.non2xx + result.errors + result.timeouts}`;

const stack = await startStack({
  env: {
    LOG_LEVEL: "warn",
    RATE_LIMIT_READ: UNLIMITED,
    RATE_LIMIT_WRITE: UNLIMITED,
    RATE_LIMIT_AUTH_REGISTER: UNLIMITED,
  },
});
try {
  const registered = await fetch(`${stack.gatewayUrl}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      email: `bench.${Date.now()}@example.com`,
      password: "correct horse battery staple",
    }),
  });
  const { accessToken } = z.object({ accessToken: z.string() }).parse(await registered.json());
  const gatewayUrl = `${stack.gatewayUrl}/v1/users/me`;
  // The profile is projected from the registration event; wait for it.
  for (
    let tries = 0;
    (await fetch(gatewayUrl, { headers: { authorization: `Bearer ${accessToken}` } })).status !== 200;
    tries++
  ) {
    if (tries > 100) throw new Error("the profile never appeared");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const jwksUrl = `${stack.gatewayUrl}/.well-known/jwks.json`;
  const minimal = await startBaseline(stack.database.url, jwksUrl, false);
  const cached = await startBaseline(stack.database.url, jwksUrl, true);
  try {
    for (const url of [gatewayUrl, minimal.url, cached.url]) await load(url, accessToken, { duration: 2 });
    const viaGateway = await load(gatewayUrl, accessToken);
    const direct = await load(minimal.url, accessToken);
    const directCached = await load(cached.url, accessToken);
    const fixedRate = await load(gatewayUrl, accessToken, { rate });
    const ratio = (baseline: Result) => (baseline.requests.average / viaGateway.requests.average).toFixed(2);
    console.log(`GET /v1/users/me, ${connections} connections, ${seconds} s each (shared 2-core machine)`);
    console.log(line("gateway (whole stack)", viaGateway));
    console.log(line("single process, verify each", direct));
    console.log(line("single process, tokens cached", directCached));
    console.log(
      `baseline / gateway throughput: ${ratio(direct)}x (verify each), ${ratio(directCached)}x (cached)`,
    );
    console.log(line(`gateway at ${rate} req/s fixed`, fixedRate));
  } finally {
    await Promise.all([minimal.close(), cached.close()]);
  }
} finally {
  await stack.stop();
}
