import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Bus, connectNats, createBus } from "@tessera/bus";
import { pingOperation } from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import {
  createTestDatabase,
  type InProcessService,
  startInProcess,
  TEST_NATS_URL,
  type TestDatabase,
  testNamespace,
  testServiceEnv,
} from "@tessera/testing";
import { sql } from "kysely";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobSchedulerConfigSchema } from "../../job-scheduler/src/config.ts";
import { startJobSchedulerService } from "../../job-scheduler/src/service.ts";
import {
  draftEmail,
  eventually,
  newContact,
  readMessage,
  submitAndApprove,
  testKeyRing,
} from "./support/harness.ts";

/**
 * The outbound process killed with SIGKILL in the middle of an SMTP transaction: the server has the
 * whole message and the process dies before the 250 comes back. A new process finds the attempt
 * `started`, marks it `unknown` and sends nothing again.
 */
const SERVICE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const silent = { info() {}, warn() {}, error() {}, debug() {} };

let database: TestDatabase;
let namespace: string;
let scheduler: InProcessService<{ stop(): Promise<void> }>;
let caller: Bus;
let smtp: SMTPServer;
let smtpPort: number;
/** Every message the SMTP server took in full; none is ever answered. */
const taken: string[] = [];
let onTaken: (() => void) | undefined;
const children: ChildProcess[] = [];
let env: Record<string, string>;

function startOutboundProcess(): ChildProcess {
  const child = spawn(process.execPath, ["src/main.ts"], { cwd: SERVICE_DIR, env, stdio: "ignore" });
  children.push(child);
  return child;
}

async function outboundAnswers(): Promise<void> {
  await eventually(() =>
    caller.request(pingOperation("outbound"), {}, systemContext("test"), { timeoutMs: 1_000 }).then(
      () => true,
      () => undefined,
    ),
  );
}

beforeAll(async () => {
  database = await createTestDatabase("sigkill");
  namespace = testNamespace("sigkill");
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    closeTimeout: 500,
    onData(stream, _session, _callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      // The whole message is here; the answer never goes (the client dies first).
      stream.on("end", () => {
        taken.push(Buffer.concat(chunks).toString("utf8"));
        onTaken?.();
      });
    },
  });
  smtp.on("error", () => {});
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  env = {
    ...(process.env as Record<string, string>),
    ...testServiceEnv(database, namespace),
    OUTBOUND_SECRET_KEYS: testKeyRing(),
    OUTBOUND_EMAIL_INDEX_KEY: randomBytes(32).toString("base64url"),
    OUTBOUND_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  };
  scheduler = await startInProcess({
    configSchema: jobSchedulerConfigSchema,
    start: (config) => startJobSchedulerService(config),
    namespace,
    database,
  });
  const nc = await connectNats({ servers: TEST_NATS_URL, name: "sigkill-test", logger: silent });
  caller = createBus(nc, { service: "api-gateway", namespace, logger: silent });
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await caller?.nc.close();
  await scheduler?.stop();
  await new Promise((resolve) => smtp?.close(() => resolve(undefined)));
  await database?.drop();
});

describe("outbound killed with SIGKILL mid-SMTP", () => {
  it("leaves the attempt unknown and sends nothing again once a new process runs", async () => {
    const first = startOutboundProcess();
    await outboundAnswers();
    const h = { caller };
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const draft = await draftEmail(h, projectId, contact.id, { subject: "Killed mid-SMTP" });
    const inFlight = new Promise<void>((resolve) => {
      onTaken = resolve;
    });
    await submitAndApprove(h, draft);
    await inFlight;
    first.kill("SIGKILL");
    await once(first, "exit");
    expect(first.signalCode).toBe("SIGKILL");
    // With no outbound running, its own table says where the attempt stands.
    const recorded = await sql<{ outcome: string }>`
      select outcome from outbound.attempts where message_id = ${draft.id}`.execute(database.db);
    expect(recorded.rows.map((row) => row.outcome)).toEqual(["started"]);

    startOutboundProcess();
    await outboundAnswers();
    // The run comes back once its ack wait is over; the new process marks the attempt unknown.
    const unknown = await eventually(async () => {
      const message = await readMessage(h, projectId, draft.id);
      return message.needsAttention ? message : undefined;
    }, 60_000);
    expect(unknown.status).toBe("sending");
    expect(unknown.attempts.map((a) => a.outcome)).toEqual(["unknown"]);
    expect(taken.filter((mail) => mail.includes("Killed mid-SMTP"))).toHaveLength(1);
  }, 120_000);
});
