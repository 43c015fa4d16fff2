import { type ChildProcess, execFile } from "node:child_process";
import { join } from "node:path";
import { CreatedSourceSchema, HOOK_BODY_MAX_BYTES } from "@tessera/contracts";
import { OUTBOX_CHECKPOINT } from "@tessera/eventstore";
import type { StackClient } from "@tessera/testing";
import Fastify from "fastify";
import { type Kysely, sql } from "kysely";
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { type LoadResult, LoadResultSchema, type LoadSettings } from "./stats.ts";

const GENERATOR = join(import.meta.dirname, "webhook-load.ts");

/** A `webhook` source created through the gateway: the URL and `whsec_` secret its creation shows once. */
export async function webhookSource(
  client: StackClient,
  token: string,
  projectId: string,
): Promise<{ url: string; secret: string }> {
  // The project's membership reaches the gateway's access check asynchronously: 404 until then.
  const created = await client.eventually(
    () => client.call("POST", `/v1/projects/${projectId}/sources`, token, { type: "webhook", name: "Bench" }),
    (status) => status === 404,
    { timeoutMs: 15_000 },
  );
  if (created.status !== 201) {
    throw new Error(`creating the webhook source answered ${created.status}: ${await created.text()}`);
  }
  const source = CreatedSourceSchema.parse(await created.json());
  if (source.type !== "webhook") throw new Error("the source created is not a webhook source");
  return source.webhook;
}

/**
 * The baseline: one Fastify process that takes the raw bytes (a buffer content-type parser, the
 * gateway's body limit) and verifies the same signature with the same library, then answers 202.
 * No lookup, no storage, no bus: what a bare receiver with one secret must do at least.
 */
export async function startBaseline(secret: string): Promise<{ url: string; close(): Promise<void> }> {
  const verifier = new Webhook(secret);
  const app = Fastify({ bodyLimit: HOOK_BODY_MAX_BYTES });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  app.post("/v1/hooks/:sourceId", async (request, reply) => {
    const header = (name: string) => String(request.headers[name] ?? "");
    try {
      verifier.verify(
        Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        {
          "webhook-id": header("webhook-id"),
          "webhook-timestamp": header("webhook-timestamp"),
          "webhook-signature": header("webhook-signature"),
        },
        { jsonParse: false },
      );
    } catch (error) {
      if (error instanceof WebhookVerificationError) return reply.code(401).send();
      throw error;
    }
    return reply.code(202).send();
  });
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url: `${address}/v1/hooks/baseline`,
    close: () => app.close(),
  };
}

const generators = new Set<ChildProcess>();

/** Ends the load generators still running, for a bench interrupted mid-run. */
export function stopLoadGenerators(): void {
  for (const generator of generators) generator.kill("SIGTERM");
}

/** One closed-loop run of signed deliveries against `url`, from the generator's own process. */
export async function loadWebhooks(settings: LoadSettings): Promise<LoadResult> {
  const output = await new Promise<string>((resolve, reject) => {
    const generator = execFile(
      process.execPath,
      [GENERATOR],
      { env: { ...process.env, BENCH_WEBHOOK_LOAD: JSON.stringify(settings) }, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
    generators.add(generator);
    generator.once("exit", () => generators.delete(generator));
  });
  return LoadResultSchema.parse(JSON.parse(output));
}

/**
 * Waits until ingestion's outbox relay has published every event appended so far (each 202 appended
 * `ingestion.item.received`), so the backlog of one run does not load the next; returns how long
 * that took in ms, or null if it had not within `timeoutMs`. Null is not a failure of the stack:
 * the relay reads below the cluster's oldest running transaction (docs/decisions/0002), so a long
 * transaction of anything else on this shared Postgres holds it back.
 */
export async function relayCaughtUp(db: Kysely<unknown>, timeoutMs = 30_000): Promise<number | null> {
  const started = performance.now();
  for (;;) {
    // The relay reads and checkpoints in catch-up order, (transaction id, position): compare the
    // newest event in that order with its checkpoint (no events: no row, nothing behind).
    const { rows } = await sql<{ behind: boolean }>`
      select coalesce(
        (select (head.transaction_id, head.global_position) > (c.transaction_id, c.global_position)
           from ingestion.checkpoints c
          where c.name = ${OUTBOX_CHECKPOINT}),
        true
      ) as behind
      from (select transaction_id, global_position from ingestion.events
             order by transaction_id desc, global_position desc limit 1) head
    `.execute(db);
    if (rows[0]?.behind !== true) return performance.now() - started;
    if (performance.now() - started > timeoutMs) return null;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
