/**
 * Login on this machine at OWASP argon2id parameters (m=19 MiB, t=2, p=1): `auth` runs in process
 * against real Postgres and NATS; N users are registered, then logins are requested over NATS at a
 * few concurrency levels. Prints throughput, p50/p99 latency and the share of CPU spent hashing
 * (argon2 verifications × the CPU one costs alone, over the process's CPU during the run).
 *   npm run bench:auth [-- --users 40 --seconds 6 --concurrency 1,2,4,8]
 */
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import { verify } from "@node-rs/argon2";
import { createBus } from "@tessera/bus";
import { accountsRegister, sessionsLogin } from "@tessera/contracts";
import { startInProcess, TEST_NATS_URL } from "@tessera/testing";
import { authConfigSchema } from "../../services/auth/src/config.ts";
import { ARGON2_PARAMETERS, createPasswordHasher } from "../../services/auth/src/infra/passwords.ts";
import { startAuthService } from "../../services/auth/src/service.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "40" },
    seconds: { type: "string", default: "6" },
    concurrency: { type: "string", default: "1,2,4,8" },
  },
});
const users = Number(values.users);
const seconds = Number(values.seconds);
const levels = values.concurrency.split(",").map(Number);
const password = "bench passphrase, not a common one";
const silent = { info() {}, warn() {}, error() {}, debug() {} };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/** CPU of one argon2id verification alone, averaged over a few, in ms. */
async function cpuPerVerify(samples: number): Promise<number> {
  const hasher = await createPasswordHasher();
  const stored = await hasher.hash(password);
  const before = process.cpuUsage();
  for (let i = 0; i < samples; i++) await verify(stored, password);
  return cpuMs(process.cpuUsage(before)) / samples;
}

const auth = await startInProcess({
  configSchema: authConfigSchema,
  start: (config) => startAuthService(config),
});
const nc = await connect({ servers: TEST_NATS_URL });
const caller = createBus(nc, { service: "api-gateway", namespace: auth.namespace, logger: silent });
let requestNumber = 0;
const ctx = () => ({ requestId: `bench-${++requestNumber}`, clientIp: "127.0.0.1" });
try {
  const emails = Array.from({ length: users }, (_, i) => `bench${i}@example.com`);
  for (const email of emails) await caller.request(accountsRegister, { email, password }, ctx());
  const verifyCpuMs = await cpuPerVerify(20);
  console.log(
    `auth login bench: argon2id m=${ARGON2_PARAMETERS.memoryCost} KiB t=${ARGON2_PARAMETERS.timeCost} p=${ARGON2_PARAMETERS.parallelism}, ` +
      `${users} users, ${seconds} s per level; one verification alone costs ${verifyCpuMs.toFixed(1)} ms CPU`,
  );
  console.log("concurrency  logins/s   p50 ms   p99 ms   CPU/login ms   hashing share of CPU");
  for (const concurrency of levels) {
    const latencies: number[] = [];
    let next = 0;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const email = emails[next++ % emails.length] ?? "";
          const t0 = performance.now();
          await caller.request(sessionsLogin, { email, password }, ctx(), { timeoutMs: 30_000 });
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const cpu = cpuMs(process.cpuUsage(cpuBefore));
    latencies.sort((a, b) => a - b);
    const share = (latencies.length * verifyCpuMs) / cpu;
    console.log(
      [
        String(concurrency).padStart(11),
        (latencies.length / elapsed).toFixed(1).padStart(9),
        percentile(latencies, 50).toFixed(1).padStart(8),
        percentile(latencies, 99).toFixed(1).padStart(8),
        (cpu / latencies.length).toFixed(1).padStart(14),
        `${(share * 100).toFixed(0)}%`.padStart(22),
      ].join(" "),
    );
  }
  console.log(
    "CPU is this whole process (client, NATS, Postgres driver, auth); Postgres and NATS servers excluded.",
  );
} finally {
  await nc.close();
  await auth.stop();
}
