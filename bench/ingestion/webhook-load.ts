/**
 * The webhook load generator of `bench:ingestion`, run as its own process so it never shares an
 * event loop with the target. autocannon repeats one request; Standard Webhooks needs a fresh
 * `webhook-id` per delivery (else the receiver's dedupe answers from memory) and a signature over
 * each one, so this signs every request itself with the `standardwebhooks` library, as a sender
 * would. Closed loop: `connections` keep-alive sockets, each sending its next delivery when the
 * previous one is answered, for `seconds`. Settings come as JSON in BENCH_WEBHOOK_LOAD; the result
 * is one JSON line on stdout (bench/ingestion/stats.ts).
 */
import { randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { Webhook } from "standardwebhooks";
import { type LoadResult, LoadSettingsSchema, percentile } from "./stats.ts";

const settings = LoadSettingsSchema.parse(JSON.parse(process.env.BENCH_WEBHOOK_LOAD ?? "null"));
const target = new URL(settings.url);
const agent = new Agent({ keepAlive: true, maxSockets: settings.connections });
const signer = new Webhook(settings.secret);
const run = randomUUID().slice(0, 8);
const REQUEST_TIMEOUT_MS = 30_000;

/** A payment provider's event, about 1 KiB of JSON, naming its own delivery. */
function payload(id: string, at: Date): string {
  return JSON.stringify({
    id,
    type: "invoice.paid",
    created: Math.floor(at.getTime() / 1000),
    data: {
      object: "invoice",
      customer: { id: "cus_bench", email: "billing@example.com", name: "Example Ltd" },
      currency: "eur",
      amountPaid: 4_200,
      lines: Array.from({ length: 6 }, (_, line) => ({
        id: `il_${line}`,
        description: `Seat licence ${line + 1}, monthly plan`,
        amount: 700,
        period: { start: 1_767_225_600, end: 1_769_904_000 },
      })),
      metadata: { order: "ord_2041", region: "eu-west" },
    },
  });
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

function deliver(sequence: number): Promise<Answer> {
  const id = `msg_${run}_${sequence}`;
  const at = new Date();
  const body = payload(id, at);
  const headers = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signer.sign(id, at, body),
  };
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: "POST",
        headers,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () =>
          resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        incoming.on("error", reject);
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

async function main(): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let sample: string | undefined;
  let sequence = 0;
  const started = performance.now();
  const deadline = started + settings.seconds * 1_000;
  const connection = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const answer = await deliver(sequence++);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (answer.status === 202) latencies.push(performance.now() - sent);
        else sample ??= `${answer.status} ${answer.body.slice(0, 300)}`;
      } catch (error) {
        errors++;
        sample ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: settings.connections }, connection));
  const elapsed = (performance.now() - started) / 1_000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    accepted: latencies.length,
    perSecond: latencies.length / elapsed,
    // No accepted delivery has no latency; the caller fails the run on its statuses anyway.
    p50: latencies.length > 0 ? percentile(latencies, 50) : 0,
    p99: latencies.length > 0 ? percentile(latencies, 99) : 0,
    statuses,
    errors,
    ...(sample === undefined ? {} : { sample }),
  };
}

process.stdout.write(`${JSON.stringify(await main())}\n`);
