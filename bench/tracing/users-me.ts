/**
 * What tracing costs: `GET /v1/users/me` through the whole stack (gateway HTTP, NATS request/reply
 * to the user service, its Postgres read) on three stacks running side by side: tracing off (no
 * OTLP endpoint: the preload patches nothing, every span in the code is a no-op), on with every
 * trace sampled, and on with one trace in ten (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`),
 * exporting to OTLP receivers in this process. Rounds alternate the three, so a noisy moment on
 * this shared machine does not land on one of them; medians are printed. Load comes from
 * autocannon in its own process.
 *   npm run bench:tracing [-- --seconds 5 --rounds 2 --connections 20]
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type OtlpReceiver, stackClient, startOtlpReceiver, startStack } from "@tessera/testing";
import { z } from "zod";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "2" },
    connections: { type: "string", default: "20" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const WARM_UP_SECONDS = 2;
const AUTOCANNON = join(import.meta.dirname, "..", "..", "node_modules", "autocannon", "autocannon.js");
const UNLIMITED = "1000000/1m";

const RunSchema = z.object({
  requests: z.object({ average: z.number(), total: z.number() }),
  latency: z.object({ p50: z.number(), p99: z.number() }),
  non2xx: z.number(),
  errors: z.number(),
});
type Run = z.infer<typeof RunSchema>;

function autocannon(url: string, token: string, duration: number): Promise<Run> {
  const args = [AUTOCANNON, "-j", "-d", String(duration), "-c", String(connections)];
  args.push("-H", `authorization=Bearer ${token}`, url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(RunSchema.parse(JSON.parse(stdout))),
    );
  });
}

interface Target {
  readonly url: string;
  readonly token: string;
  readonly runs: Run[];
  /** Requests sent, the warm-up's included. */
  requests: number;
  stop(): Promise<unknown>;
}

async function startTarget(tracing: Record<string, string>): Promise<Target> {
  const stack = await startStack({
    env: { LOG_LEVEL: "warn", RATE_LIMIT_READ: UNLIMITED, RATE_LIMIT_AUTH_REGISTER: UNLIMITED, ...tracing },
  });
  try {
    // Signed up, with the profile the user service builds from the registration event.
    const { accessToken: token } = await stackClient(() => stack.gatewayUrl).signUp();
    return { url: `${stack.gatewayUrl}/v1/users/me`, token, runs: [], requests: 0, stop: () => stack.stop() };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}

async function round(target: Target, duration: number, keep: boolean): Promise<void> {
  const run = await autocannon(target.url, target.token, duration);
  target.requests += run.requests.total;
  if (keep) target.runs.push(run);
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function line(label: string, target: Target): string {
  const { runs } = target;
  const throughput = median(runs.map((run) => run.requests.average));
  const p50 = median(runs.map((run) => run.latency.p50));
  const p99 = median(runs.map((run) => run.latency.p99));
  const failed = runs.reduce((sum, run) => sum + run.non2xx + run.errors, 0);
  return `${label.padEnd(34)} ${throughput.toFixed(0).padStart(6)} req/s   p50 ${String(p50).padStart(3)} ms   p99 ${String(p99).padStart(4)} ms   failed ${failed}`;
}

const everyTrace = await startOtlpReceiver();
const oneInTen = await startOtlpReceiver();
const targets: Target[] = [];
try {
  const off = await startTarget({});
  targets.push(off);
  const on = await startTarget({ OTEL_EXPORTER_OTLP_ENDPOINT: everyTrace.endpoint });
  targets.push(on);
  const sampled = await startTarget({
    OTEL_EXPORTER_OTLP_ENDPOINT: oneInTen.endpoint,
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: "0.1",
  });
  targets.push(sampled);
  for (const target of targets) await round(target, WARM_UP_SECONDS, false);
  for (let index = 0; index < rounds; index++)
    for (const target of targets) await round(target, seconds, true);
  // Stopping flushes the services' pending spans to the receivers.
  await Promise.all(targets.splice(0).map((target) => target.stop()));

  const throughput = (target: Target) => median(target.runs.map((run) => run.requests.average));
  const spansPerRequest = (receiver: OtlpReceiver, target: Target) =>
    `${receiver.spans().length} spans received, ${(receiver.spans().length / Math.max(target.requests, 1)).toFixed(1)} per request sent`;
  console.log(
    `GET /v1/users/me through the gateway, ${connections} connections, ${rounds} alternating rounds of ${seconds} s, medians (shared 2-core machine)`,
  );
  console.log(line("tracing off (no endpoint)", off));
  console.log(line("tracing on, every trace", on));
  console.log(line("tracing on, one trace in ten", sampled));
  console.log(
    `throughput against off: every trace ${(throughput(on) / throughput(off)).toFixed(2)}x, one in ten ${(throughput(sampled) / throughput(off)).toFixed(2)}x`,
  );
  console.log(
    `every trace: ${spansPerRequest(everyTrace, on)}; one in ten: ${spansPerRequest(oneInTen, sampled)}`,
  );
} finally {
  await Promise.all(targets.map((target) => target.stop()));
  await Promise.all([everyTrace.close(), oneInTen.close()]);
}
