/**
 * Scaling proof (issue 13): `GET /v1/users/me` through the gateway with the user service at one
 * replica, then at three in the same NATS queue group (real processes), under the same load; then
 * one of the three is SIGKILLed mid-load. Per-replica counts come from the bench's own nats-server
 * (`/connz`: messages delivered to each replica's subscription), CPU from /proc, load from
 * autocannon in its own process. Figures and their reading: bench/scaling/README.md.
 *   npm run bench:scaling [-- --seconds 10 --connections 20 --replicas 3 --kill-after 3]
 */
import type { ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { meGet } from "@tessera/contracts";
import { startNatsServer, startStack } from "@tessera/testing";
import { accountWithProfile, autocannon, failuresOf, type LoadResult } from "../lib/gateway-load.ts";
import { CORES, cpuBetween, sampleCpu } from "./cpu.ts";
import { deliveredBetween, watchSubscribers } from "./nats-monitor.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "20" },
    replicas: { type: "string", default: "3" },
    "kill-after": { type: "string", default: "3" },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const replicaCount = Number(values.replicas);
const killAfterSeconds = Number(values["kill-after"]);
/** The gateway's wait for a reply, in ms (its default): a request lost with a replica costs this much. */
const UPSTREAM_TIMEOUT_MS = 5_000;
/** The kill phase runs until every request the victim held has been retried and answered. */
const killPhaseSeconds = Math.max(seconds, killAfterSeconds + UPSTREAM_TIMEOUT_MS / 1_000 + 4);
const WARM_UP_SECONDS = 3;
const UNLIMITED = "1000000/1m";

interface Replica {
  readonly label: string;
  readonly child: ChildProcess;
  /** Its connection on the bench's nats-server. */
  readonly cid: number;
}

interface Phase {
  readonly title: string;
  readonly result: LoadResult;
  readonly delivered: Map<number, number>;
  readonly cpu: ReturnType<typeof cpuBetween>;
  /** Reads the gateway sent a second time (`gateway_upstream_retries_total`), undefined if unreadable. */
  readonly retries: number | undefined;
}

const nats = await startNatsServer({ monitoring: true, args: ["-js"] });
const monitoringUrl = nats.monitoringUrl ?? "";
const stack = await startStack({
  // What the read needs: the gateway, auth for the account and its tokens, user for the profile.
  services: ["api-gateway", "auth", "user"],
  env: {
    NATS_URL: nats.url,
    UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS),
    RATE_LIMIT_READ: UNLIMITED,
    RATE_LIMIT_AUTH_REGISTER: UNLIMITED,
  },
}).catch(async (error: unknown) => {
  await nats.stop();
  throw error;
});
const subscribers = watchSubscribers(monitoringUrl, `${stack.namespace}.${meGet.subject}`);

/** The gateway's retry count for `me.get`, from its `/metrics`. */
async function gatewayRetries(): Promise<number | undefined> {
  const response = await fetch(`${stack.gatewayUrl}/metrics`).catch(() => undefined);
  if (response?.status !== 200) return undefined;
  return (await response.text())
    .split("\n")
    .filter(
      (line) =>
        line.startsWith("gateway_upstream_retries_total{") && line.includes(`operation="${meGet.subject}"`),
    )
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

function processesToWatch(replicas: readonly Replica[]): Map<string, number | undefined> {
  return new Map([
    ["gateway", stack.processes("api-gateway")[0]?.pid],
    ...replicas.map((replica): [string, number | undefined] => [replica.label, replica.child.pid]),
    ["nats-server", nats.pid],
  ]);
}

/** One run of the load, with what each replica received and the CPU each process used meanwhile. */
async function measure(
  title: string,
  url: string,
  token: string,
  replicas: readonly Replica[],
  opts: { seconds: number; during?: () => Promise<void> } = { seconds },
): Promise<Phase> {
  const watched = processesToWatch(replicas);
  const [subsBefore, retriesBefore] = await Promise.all([subscribers.snapshot(), gatewayRetries()]);
  const cpuBefore = sampleCpu(watched);
  const [result] = await Promise.all([
    autocannon(url, { seconds: opts.seconds, connections, token }),
    opts.during?.(),
  ]);
  const cpuAfter = sampleCpu(watched);
  const [subsAfter, retriesAfter] = await Promise.all([subscribers.snapshot(), gatewayRetries()]);
  return {
    title,
    result,
    delivered: deliveredBetween(subsBefore, subsAfter),
    cpu: cpuBetween(cpuBefore, cpuAfter),
    retries:
      retriesBefore === undefined || retriesAfter === undefined ? undefined : retriesAfter - retriesBefore,
  };
}

/** Starts one more user replica and waits until the server routes `me.get` to it. */
async function addReplica(replicas: Replica[]): Promise<void> {
  const known = new Set(replicas.map((replica) => replica.cid));
  const child = stack.addReplica("user");
  const cid = await subscribers.newSubscriber(known);
  replicas.push({ label: `user#${replicas.length + 1}`, child, cid });
}

/**
 * A run during which the newest replica gets `signal` after `killAfterSeconds`: SIGKILL is a crash
 * (what it held is lost, the gateway retries), SIGTERM a scale-down or rolling update (it drains).
 * The replica is removed from `replicas` afterwards.
 */
async function stopOneDuringLoad(
  url: string,
  token: string,
  replicas: Replica[],
  signal: "SIGKILL" | "SIGTERM",
  runSeconds: number,
): Promise<{ lost: number; retries: number | undefined }> {
  const victim = replicas.at(-1);
  if (victim === undefined) throw new Error("no replica to stop");
  let releasedAfterMs = Number.NaN;
  let deliveredAfterSignal = 0;
  const phase = await measure(
    `${replicas.length} replicas, ${victim.label} sent ${signal} ${killAfterSeconds} s into a ${runSeconds} s run`,
    url,
    token,
    replicas,
    {
      seconds: runSeconds,
      during: async () => {
        await sleep(killAfterSeconds * 1_000);
        const before = (await subscribers.snapshot()).get(victim.cid)?.delivered ?? 0;
        const signalled = performance.now();
        victim.child.kill(signal);
        // When the server let go of the replica's subscription, seen by polling (so an upper bound).
        for (;;) {
          const seen = (await subscribers.snapshot()).get(victim.cid);
          if (seen?.gone !== false) {
            releasedAfterMs = performance.now() - signalled;
            deliveredAfterSignal = (seen?.delivered ?? before) - before;
            return;
          }
          await sleep(5);
        }
      },
    },
  );
  report(phase, replicas);
  const lost = failuresOf(phase.result);
  console.log(
    `  ${victim.label}: the server stopped routing to it ≤ ${releasedAfterMs.toFixed(0)} ms after ${signal} (seen by polling), having delivered it ${deliveredAfterSignal} more me.get meanwhile; non-2xx ${lost}; retried by the gateway ${phase.retries ?? "n/a"}`,
  );
  replicas.pop();
  return { lost, retries: phase.retries };
}

const percent = (value: number | undefined) =>
  value === undefined ? "  gone" : `${value.toFixed(0).padStart(4)} %`;

function report(phase: Phase, replicas: readonly Replica[]): void {
  const { result } = phase;
  const statuses = Object.entries(result.statusCodeStats)
    .map(([status, { count }]) => `${status}: ${count}`)
    .join(", ");
  console.log(`\n${phase.title}`);
  console.log(
    `  ${result.requests.average.toFixed(0)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   max ${result.latency.max} ms`,
  );
  console.log(
    `  requests sent ${result.requests.sent}, answered ${result.requests.total} (${statuses}), 2xx ${result["2xx"]}, non-2xx ${failuresOf(result)}, retries ${phase.retries ?? "n/a (no /metrics)"}`,
  );
  const total = [...phase.delivered.values()].reduce((sum, count) => sum + count, 0);
  const spread = replicas
    .map((replica) => {
      const count = phase.delivered.get(replica.cid) ?? 0;
      const share = total > 0 ? ((100 * count) / total).toFixed(0) : "0";
      return `${replica.label} ${count} (${share} %)`;
    })
    .join("   ");
  console.log(`  me.get deliveries per replica (NATS /connz): ${spread}   total ${total}`);
  const cpu = [...phase.cpu.byProcess].map(([name, value]) => `${name} ${percent(value)}`).join("   ");
  console.log(`  CPU, % of one core: ${cpu}   machine ${phase.cpu.machine.toFixed(0)} % of ${CORES} cores`);
}

try {
  const { accessToken, meUrl } = await accountWithProfile(stack.gatewayUrl);
  const first = stack.processes("user")[0];
  if (first === undefined) throw new Error("the stack started no user service");
  const replicas: Replica[] = [
    { label: "user#1", child: first, cid: await subscribers.newSubscriber(new Set()) },
  ];
  console.log(
    `GET /v1/users/me through the gateway: ${connections} connections, ${seconds} s per size, user service replicas in one queue group (${CORES} cores shared by everything; load average ${loadavg()[0]?.toFixed(1)} at the start)`,
  );
  await autocannon(meUrl, { seconds: WARM_UP_SECONDS, connections, token: accessToken });
  const one = await measure("1 replica", meUrl, accessToken, replicas);
  report(one, replicas);

  while (replicas.length < replicaCount) await addReplica(replicas);
  await autocannon(meUrl, { seconds: WARM_UP_SECONDS, connections, token: accessToken });
  const many = await measure(`${replicas.length} replicas`, meUrl, accessToken, replicas);
  report(many, replicas);

  const crash = await stopOneDuringLoad(meUrl, accessToken, replicas, "SIGKILL", killPhaseSeconds);
  const drain = await stopOneDuringLoad(meUrl, accessToken, replicas, "SIGTERM", seconds);
  console.log(
    `\nthroughput ${replicaCount} replicas / 1 replica: ${(many.result.requests.average / one.result.requests.average).toFixed(2)}x; p99 ${one.result.latency.p99} → ${many.result.latency.p99} ms`,
  );
  console.log(
    `no request lost: on SIGKILL ${crash.lost === 0 ? "met" : "NOT met"} (${crash.retries ?? "n/a"} retries), on SIGTERM ${drain.lost === 0 ? "met" : "NOT met"} (${drain.retries ?? "n/a"} retries)`,
  );
  if (crash.lost + drain.lost > 0) process.exitCode = 1;
} finally {
  await stack.stop();
  await nats.stop();
}
