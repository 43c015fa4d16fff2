/**
 * Outbound on this machine, through the whole stack (`startStack`: every service its own process,
 * a fresh database and bus namespace, rate limits raised), against a local SMTP sink and a local
 * webhook receiver started here:
 * - Email: `--messages` emails to one contact are created and submitted first; then each is
 *   approved (`--parallel` at a time) and timed from its approve request until the sink has the
 *   whole message (the subject carries a marker). messages/s is over the wall time from the first
 *   approval to the last arrival. Beside it, in the same run, the baseline: nodemailer in this
 *   process sending the same emails straight to the same sink, pooled as Tessera's channel is,
 *   `--parallel` at a time.
 * - Webhooks: the same for signed deliveries to a project endpoint at a local receiver that
 *   verifies every signature; the baseline signs with the same library and POSTs straight to it.
 * Rounds alternate Tessera and its baseline; medians are printed (a shared 2-core machine).
 *   npm run bench:outbound [-- --messages 200 --parallel 10 --rounds 3]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { type StackClient, stackClient, startStack } from "@tessera/testing";
import nodemailer from "nodemailer";
import { Webhook } from "standardwebhooks";
import { z } from "zod";
import { median, percentile } from "../ingestion/stats.ts";
import { type Arrivals, startSmtpSink, startWebhookReceiver } from "./receivers.ts";

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "200" },
    parallel: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
  },
});
const messageCount = Number(values.messages);
const parallel = Number(values.parallel);
const rounds = Number(values.rounds);
const UNLIMITED = "1000000/1m";
const FROM = "Tessera bench <bench@tessera.local>";
const ARRIVAL_TIMEOUT_MS = 300_000;

interface Run {
  perSecond: number;
  p50: number;
  p99: number;
}

const IdSchema = z.object({ id: z.uuid() });

/** Runs `work` over `items`, `parallel` at a time. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++];
      if (item !== undefined) await work(item);
    }
  });
  await Promise.all(lanes);
}

/** Times `send` per marker from its call to its arrival, and the whole batch's throughput. */
async function timed(
  markers: readonly string[],
  landed: Arrivals,
  send: (marker: string) => Promise<void>,
): Promise<Run> {
  const started = new Map<string, number>();
  const first = performance.now();
  await inParallel(markers, async (marker) => {
    started.set(marker, performance.now());
    await send(marker);
  });
  await landed.waitFor(markers, ARRIVAL_TIMEOUT_MS);
  const latencies = markers
    .map((marker) => (landed.at.get(marker) ?? Number.NaN) - (started.get(marker) ?? Number.NaN))
    .sort((a, b) => a - b);
  const last = Math.max(...markers.map((marker) => landed.at.get(marker) ?? Number.NaN));
  return {
    perSecond: markers.length / ((last - first) / 1_000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

const runId = randomUUID().slice(0, 8);
let markerCount = 0;
const newMarkers = (count: number) => Array.from({ length: count }, () => `bench-${runId}-${markerCount++}`);

async function expectStatus(response: Response, status: number, what: string): Promise<Response> {
  if (response.status !== status) {
    throw new Error(`${what} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  }
  return response;
}

/** Creates and submits one message per marker; returns marker → message id. */
async function drafts(
  client: StackClient,
  token: string,
  projectId: string,
  markers: readonly string[],
  body: (marker: string) => Record<string, unknown>,
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  await inParallel(markers, async (marker) => {
    const created = await client.call("POST", `/v1/projects/${projectId}/messages`, token, body(marker), {
      "idempotency-key": marker,
    });
    const { id } = IdSchema.parse(await (await expectStatus(created, 201, "creating a message")).json());
    const submitted = await client.call("POST", `/v1/projects/${projectId}/messages/${id}/submit`, token, {});
    await expectStatus(submitted, 200, "submitting a message");
    ids.set(marker, id);
  });
  return ids;
}

function approver(client: StackClient, token: string, projectId: string, ids: ReadonlyMap<string, string>) {
  return async (marker: string) => {
    const approved = await client.call(
      "POST",
      `/v1/projects/${projectId}/messages/${ids.get(marker)}/approve`,
      token,
      {},
    );
    await expectStatus(approved, 200, "approving a message");
  };
}

const ms = (value: number) => `${value.toFixed(1).padStart(8)} ms`;
const line = (label: string, run: Run, unit: string) =>
  `  ${label.padEnd(34)} ${run.perSecond.toFixed(1).padStart(7)} ${unit}/s   p50 ${ms(run.p50)}   p99 ${ms(run.p99)}`;
const medianOf = (runs: readonly Run[]): Run => ({
  perSecond: median(runs.map((run) => run.perSecond)),
  p50: median(runs.map((run) => run.p50)),
  p99: median(runs.map((run) => run.p99)),
});

const sink = await startSmtpSink();
const receiver = await startWebhookReceiver();
const stack = await startStack({
  env: {
    LOG_LEVEL: "warn",
    OUTBOUND_SMTP_URL: sink.url,
    OUTBOUND_FROM: FROM,
    EGRESS_ALLOW_HOSTS: "127.0.0.1",
    RATE_LIMIT_READ: UNLIMITED,
    RATE_LIMIT_WRITE: UNLIMITED,
    RATE_LIMIT_AUTH_REGISTER: UNLIMITED,
  },
});
let stopped: Promise<unknown> | undefined;
const stopAll = () => {
  stopped ??= Promise.all([stack.stop(), sink.close(), receiver.close()]);
  return stopped;
};
const stopOnSignal = () => void stopAll().finally(() => process.exit(130));
process.once("SIGINT", stopOnSignal);
process.once("SIGTERM", stopOnSignal);

try {
  const client = stackClient(() => stack.gatewayUrl);
  const { accessToken: token } = await client.signUp();
  const project = await expectStatus(
    await client.call("POST", "/v1/projects", token, { name: "Outbound bench" }),
    201,
    "creating a project",
  );
  const projectId = IdSchema.parse(await project.json()).id;
  // The membership reaches the gateway's access check asynchronously: 404 until then.
  const contact = await client.eventually(
    () =>
      client.call("POST", `/v1/projects/${projectId}/contacts`, token, {
        email: "reader@example.com",
        name: "Bench Reader",
      }),
    (status) => status === 404,
    { timeoutMs: 15_000 },
  );
  const contactId = IdSchema.parse(await (await expectStatus(contact, 201, "creating a contact")).json()).id;
  const endpoint = await expectStatus(
    await client.call("POST", `/v1/projects/${projectId}/endpoints`, token, { url: receiver.url }),
    201,
    "creating an endpoint",
  );
  const { id: endpointId, secret } = z
    .object({ id: z.uuid(), secret: z.string() })
    .parse(await endpoint.json());
  receiver.useSecret(secret);

  const emailBody = (marker: string) => ({
    channel: "email",
    contactId,
    subject: `Your weekly summary ${marker}`,
    text: `Hello,\n\nthree things happened this week (${marker}).\n`,
    html: `<p>Hello,</p><p>three things happened this week (${marker}).</p>`,
    dedupeKey: marker,
  });
  const webhookBody = (marker: string) => ({
    channel: "webhook",
    endpointId,
    eventType: "summary.ready",
    payload: { marker, items: [1, 2, 3], note: "three things happened this week" },
    dedupeKey: marker,
  });
  const transport = nodemailer.createTransport({
    url: sink.url,
    pool: true,
    maxConnections: 5,
    logger: false,
  });
  const signer = new Webhook(secret);

  // One of each first, untimed, so every stage of each path has run once.
  for (const [body, landed] of [
    [emailBody, sink],
    [webhookBody, receiver],
  ] as const) {
    const warm = newMarkers(1);
    await timed(
      warm,
      landed,
      approver(client, token, projectId, await drafts(client, token, projectId, warm, body)),
    );
  }

  const runs = { email: [] as Run[], emailBase: [] as Run[], hook: [] as Run[], hookBase: [] as Run[] };
  for (let round = 0; round < rounds; round++) {
    const emails = newMarkers(messageCount);
    const emailIds = await drafts(client, token, projectId, emails, emailBody);
    runs.email.push(await timed(emails, sink, approver(client, token, projectId, emailIds)));
    runs.emailBase.push(
      await timed(newMarkers(messageCount), sink, async (marker) => {
        const body = emailBody(marker);
        await transport.sendMail({
          from: FROM,
          to: { name: "Bench Reader", address: "reader@example.com" },
          subject: body.subject,
          text: body.text,
          html: body.html,
          messageId: `<${randomUUID()}@tessera.local>`,
        });
      }),
    );
    const hooks = newMarkers(messageCount);
    const hookIds = await drafts(client, token, projectId, hooks, webhookBody);
    runs.hook.push(await timed(hooks, receiver, approver(client, token, projectId, hookIds)));
    runs.hookBase.push(
      await timed(newMarkers(messageCount), receiver, async (marker) => {
        const at = new Date();
        const body = JSON.stringify({
          type: "summary.ready",
          timestamp: at.toISOString(),
          data: webhookBody(marker).payload,
        });
        const id = `msg_${randomUUID()}`;
        const response = await fetch(receiver.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "webhook-id": id,
            "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
            "webhook-signature": signer.sign(id, at, body),
          },
          body,
        });
        await expectStatus(response, 204, "the baseline's delivery");
      }),
    );
  }
  transport.close();

  const ratio = (base: readonly Run[], ours: readonly Run[]) =>
    median(base.map((run, round) => run.perSecond / (ours[round]?.perSecond ?? Number.NaN)));
  console.log(
    `Outbound: ${messageCount} messages per run, approved ${parallel} at a time through the gateway, ${rounds} rounds, medians (shared 2-core machine)`,
  );
  console.log("Email, approve → whole message at a local SMTP sink (smtp-server)");
  console.log(line("Tessera (whole stack)", medianOf(runs.email), "messages"));
  console.log(line("nodemailer straight to the sink", medianOf(runs.emailBase), "messages"));
  console.log(`  nodemailer / Tessera throughput: ${ratio(runs.emailBase, runs.email).toFixed(2)}x`);
  console.log("Webhooks, approve → verified delivery at a local receiver");
  console.log(line("Tessera (whole stack)", medianOf(runs.hook), "deliveries"));
  console.log(line("signed POST straight to the receiver", medianOf(runs.hookBase), "deliveries"));
  console.log(`  direct / Tessera throughput: ${ratio(runs.hookBase, runs.hook).toFixed(2)}x`);
  if (receiver.rejected() > 0) {
    console.error(`the receiver refused ${receiver.rejected()} deliveries whose signature did not verify`);
    process.exitCode = 1;
  }
} finally {
  process.off("SIGINT", stopOnSignal);
  process.off("SIGTERM", stopOnSignal);
  await stopAll();
}
