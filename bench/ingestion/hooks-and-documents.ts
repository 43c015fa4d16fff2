/**
 * Ingestion on this machine, through the whole stack (`startStack`: every service its own process,
 * a fresh database and bus namespace, rate limits raised):
 * - Documents: Markdown uploads (`POST …/documents`, the file as the body) at a fixed concurrency,
 *   each timed from the POST until GET …/documents/{id} says `indexed` (memory embedded every chunk)
 *   and until a search finds the word only its last section holds; documents/s and chunks/s over
 *   the wall time to the last one searchable. One document goes through first, untimed.
 * - Webhooks: signed Standard Webhooks deliveries (fresh `webhook-id` and signature each) to
 *   `POST /v1/hooks/{sourceId}`, against a bare Fastify route in this process verifying the same
 *   signature with the same library, in the same run with the same generator. Rounds alternate the
 *   two and medians are printed (a shared 2-core machine); after each gateway run the bench waits
 *   for ingestion's outbox relay to publish that run's events, so its backlog does not load the next.
 * Load comes from a generator in its own process (bench/ingestion/webhook-load.ts); only 202s
 * count. Any failed request makes the run exit non-zero, after printing what was measured.
 *   npm run bench:ingestion [-- --seconds 5 --rounds 3 --connections 20 --documents 24 --parallel 4 --kib 32]
 */
import { parseArgs } from "node:util";
import { freePort, type StackClient, stackClient, startStack } from "@tessera/testing";
import { z } from "zod";
import { type DocumentTarget, type DocumentTiming, uploadDocuments } from "./documents.ts";
import { failures, type LoadResult, median, medianRun, percentile } from "./stats.ts";
import { loadWebhooks, relayCaughtUp, startBaseline, stopLoadGenerators, webhookSource } from "./webhooks.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    connections: { type: "string", default: "20" },
    documents: { type: "string", default: "24" },
    parallel: { type: "string", default: "4" },
    kib: { type: "string", default: "32" },
  },
});
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const documentCount = Number(values.documents);
const parallel = Number(values.parallel);
const documentBytes = Number(values.kib) * 1_024;
const WARM_UP_SECONDS = 5;
const POLL_MS = 100;
const UNLIMITED = "1000000/1m";

const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;
const webhookLine = (label: string, result: LoadResult) =>
  `${label.padEnd(32)} ${result.perSecond.toFixed(0).padStart(6)} verified/s   p50 ${ms(result.p50)}   p99 ${ms(result.p99)}   failed ${failures(result)}`;
const describeFailures = (label: string, result: LoadResult) =>
  `${label}: ${failures(result)} of ${result.accepted + failures(result)} requests not answered 202 (statuses ${JSON.stringify(result.statuses)}, errors ${result.errors}); first: ${result.sample ?? "?"}`;

async function newProject(client: StackClient, token: string): Promise<string> {
  // The owner's profile follows the registration asynchronously: 404 until it exists.
  const created = await client.eventually(
    () => client.call("POST", "/v1/projects", token, { name: "Ingestion bench" }),
    (status) => status === 404,
    { timeoutMs: 15_000 },
  );
  if (created.status !== 201) throw new Error(`creating a project answered ${created.status}`);
  return z.object({ id: z.uuid() }).parse(await created.json()).id;
}

function printDocuments(run: { timings: DocumentTiming[]; seconds: number }): void {
  const chunks = run.timings.reduce((sum, timing) => sum + timing.chunks, 0);
  const sorted = (key: "accepted" | "indexed" | "searchable") =>
    run.timings.map((timing) => timing[key]).sort((a, b) => a - b);
  const latency = (label: string, key: "accepted" | "indexed" | "searchable") =>
    `  ${label.padEnd(22)} p50 ${ms(percentile(sorted(key), 50))}   p99 ${ms(percentile(sorted(key), 99))}`;
  console.log(
    `Documents: ${run.timings.length} Markdown uploads of ${values.kib} KiB, ${parallel} at a time, through the gateway (polled every ${POLL_MS} ms)`,
  );
  console.log(
    `  ${(run.timings.length / run.seconds).toFixed(2)} documents/s   ${(chunks / run.seconds).toFixed(1)} chunks/s   (${chunks} chunks, ${(chunks / run.timings.length).toFixed(1)} per document, ${run.seconds.toFixed(1)} s from the first upload to the last searchable)`,
  );
  console.log(latency("upload → 202", "accepted"));
  console.log(latency("upload → searchable", "searchable"));
  console.log(latency("upload → indexed", "indexed"));
}

async function benchWebhooks(
  stack: Awaited<ReturnType<typeof startStack>>,
  webhook: { url: string; secret: string },
): Promise<string[]> {
  const baseline = await startBaseline(webhook.secret);
  try {
    const targets = { gateway: webhook.url, baseline: baseline.url };
    const load = (url: string, duration = seconds) =>
      loadWebhooks({ url, secret: webhook.secret, connections, seconds: duration });
    for (const [name, url] of Object.entries(targets)) {
      const warmUp = await load(url, WARM_UP_SECONDS);
      if (failures(warmUp) > 0) throw new Error(describeFailures(`warm-up of ${name}`, warmUp));
    }
    await relayCaughtUp(stack.database.db);
    const runs: Record<keyof typeof targets, LoadResult[]> = { gateway: [], baseline: [] };
    const catchUps: (number | null)[] = [];
    for (let round = 0; round < rounds; round++) {
      runs.gateway.push(await load(targets.gateway));
      catchUps.push(await relayCaughtUp(stack.database.db));
      runs.baseline.push(await load(targets.baseline));
    }
    const ratio = median(
      runs.baseline.map((result, round) => result.perSecond / (runs.gateway[round]?.perSecond ?? Number.NaN)),
    );
    console.log(
      `Webhooks: POST /v1/hooks/{sourceId}, ~1 KiB JSON signed per request, ${connections} connections, ${rounds} rounds of ${seconds} s, medians (shared 2-core machine)`,
    );
    console.log(webhookLine("gateway (whole stack)", medianRun(runs.gateway)));
    console.log(webhookLine("bare Fastify, same verification", medianRun(runs.baseline)));
    console.log(`bare route / gateway throughput: ${ratio.toFixed(2)}x (no target)`);
    const caughtUp = catchUps.filter((value) => value !== null);
    console.log(
      `outbox relay: every item.received on the bus ${median(caughtUp).toFixed(0)} ms (median) after a gateway run ended${caughtUp.length < catchUps.length ? `; ${catchUps.length - caughtUp.length} run(s) not within 30 s (a long transaction elsewhere in the cluster?)` : ""}`,
    );
    return Object.entries(runs).flatMap(([name, results]) =>
      results.flatMap((result, round) =>
        failures(result) > 0 ? [describeFailures(`${name}, round ${round + 1}`, result)] : [],
      ),
    );
  } finally {
    await baseline.close();
  }
}

const port = await freePort();
const gatewayUrl = `http://127.0.0.1:${port}`;
const stack = await startStack({
  port,
  env: {
    LOG_LEVEL: "warn",
    // The source's webhook URL names the gateway the bench talks to.
    INGESTION_PUBLIC_URL: gatewayUrl,
    RATE_LIMIT_READ: UNLIMITED,
    RATE_LIMIT_WRITE: UNLIMITED,
    RATE_LIMIT_AUTH_REGISTER: UNLIMITED,
  },
});
// Once, whichever comes first: a signal, or the end of the run (which a signal also brings about,
// as the stack's requests start failing).
let stopped: Promise<unknown> | undefined;
const stopStack = () => {
  stopped ??= stack.stop();
  return stopped;
};
const stopOnSignal = () => {
  stopLoadGenerators();
  void stopStack().finally(() => process.exit(130));
};
process.once("SIGINT", stopOnSignal);
process.once("SIGTERM", stopOnSignal);
try {
  const client = stackClient(() => stack.gatewayUrl);
  const { accessToken } = await client.signUp();
  const projectId = await newProject(client, accessToken);
  const target: DocumentTarget = {
    gatewayUrl,
    token: accessToken,
    projectId,
    pollMs: POLL_MS,
    timeoutMs: 180_000,
  };
  // Creating the source waits out the membership's way to the gateway's access check.
  const webhook = await webhookSource(client, accessToken, projectId);
  // One document through first, untimed, so every stage of the path has run once.
  await uploadDocuments(target, { count: 1, parallel: 1, bytes: documentBytes, firstNumber: 0 });
  printDocuments(
    await uploadDocuments(target, { count: documentCount, parallel, bytes: documentBytes, firstNumber: 1 }),
  );
  const failed = await benchWebhooks(stack, webhook);
  if (failed.length > 0) {
    for (const line of failed) console.error(line);
    process.exitCode = 1;
  }
} finally {
  process.off("SIGINT", stopOnSignal);
  process.off("SIGTERM", stopOnSignal);
  await stopStack();
}
