/**
 * Job runs on this machine: enqueue-to-completion throughput and latency of no-op jobs
 * (`hello_world`), through the whole path: `svc.job-scheduler.jobs.enqueue` → run.queued appended →
 * JOBS → worker → report → run.succeeded appended → published by the outbox relay, where the clock
 * stops. One scheduler replica in this process (its built-in worker runs 4 at once), real Postgres
 * and NATS, a fresh database and namespace.
 *   npm run bench:jobs [-- --runs 400 --parallel 32]
 *
 * Context (pg-boss-style): pg-boss keeps jobs in a Postgres table and workers poll it with
 * `SELECT … FOR UPDATE SKIP LOCKED` (every 2 s by default), so its pickup latency is bounded by the
 * polling interval and its throughput by the table's write rate. Here every run is at least four
 * Postgres transactions (queued, started, succeeded, plus the dispatch mark) and three JetStream
 * publishes, and is pushed to the worker rather than polled; the relay's 50 ms poll is the main idle
 * latency. The machine is shared with other test runs, so compare figures from one session only.
 */
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import { busNames, createBus } from "@tessera/bus";
import { jobsEnqueue, type MessageContext } from "@tessera/contracts";
import { startInProcess, TEST_NATS_URL } from "@tessera/testing";
import { jobSchedulerConfigSchema } from "../../services/job-scheduler/src/config.ts";
import { startJobSchedulerService } from "../../services/job-scheduler/src/service.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "400" },
    parallel: { type: "string", default: "32" },
    sequential: { type: "string", default: "50" },
  },
});
const total = Number(values.runs);
const parallel = Number(values.parallel);
const sequentialRuns = Number(values.sequential);
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const ctx = (): MessageContext => ({ requestId: "bench-jobs", actor: "system:bench" });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

const scheduler = await startInProcess({
  configSchema: jobSchedulerConfigSchema,
  start: startJobSchedulerService,
  env: { LOG_LEVEL: "silent" },
});
const nc = await connect({ servers: TEST_NATS_URL });
try {
  const caller = createBus(nc, { service: "api-gateway", namespace: scheduler.namespace, logger: silent });
  const done = new Map<string, (at: number) => void>();
  const early = new Map<string, number>();
  nc.subscribe(busNames(scheduler.namespace).subject("evt.job-scheduler.run.succeeded"), {
    callback: (_error, msg) => {
      const runId = msg.json<{ data: { runId: string } }>().data.runId;
      const at = performance.now();
      const resolve = done.get(runId);
      if (resolve) resolve(at);
      else early.set(runId, at);
    },
  });
  const runOne = async (): Promise<number> => {
    const started = performance.now();
    const { runId } = await caller.request(jobsEnqueue, { jobType: "hello_world" }, ctx());
    const finished = early.get(runId) ?? (await new Promise<number>((resolve) => done.set(runId, resolve)));
    return finished - started;
  };

  // Unloaded latency: one run at a time.
  const sequential: number[] = [];
  for (let i = 0; i < sequentialRuns; i++) sequential.push(await runOne());
  sequential.sort((a, b) => a - b);

  // Throughput: `parallel` callers enqueue `total` runs as fast as they complete.
  const latencies: number[] = [];
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < total) latencies.push(await runOne());
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);

  console.log(`job runs, enqueue → run.succeeded on the bus (${total} runs, ${parallel} callers)`);
  console.log(
    `  one at a time:  p50 ${fmt(percentile(sequential, 50))}  p99 ${fmt(percentile(sequential, 99))}`,
  );
  console.log(
    `  under load:     ${(total / seconds).toFixed(0)} runs/s  p50 ${fmt(percentile(latencies, 50))}  p99 ${fmt(percentile(latencies, 99))}`,
  );
} finally {
  await nc.close();
  await scheduler.stop();
}
