import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, createBus } from "@tessera/bus";
import { JOB_RUN_REPORTS_SUBJECT, type JobMessage, JobRunReportSchema } from "@tessera/contracts";
import { type JobWorker, startJobWorker } from "@tessera/jobs";
import { createTestDatabase, TEST_NATS_URL, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEffectTables, effectHandler, effectJob } from "./fixtures/effect-job.ts";

const here = dirname(fileURLToPath(import.meta.url));
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const logger = { ...silent, child: () => logger };

let database: TestDatabase;
let namespace: string;
let nc: NatsConnection;
let bus: Bus;
let child: ChildProcess | undefined;
let survivor: JobWorker | undefined;

beforeAll(async () => {
  database = await createTestDatabase("jobs-kill");
  namespace = testNamespace("jobskill");
  await createEffectTables(database.db);
  nc = await connect({ servers: TEST_NATS_URL });
  bus = createBus(nc, { service: "job-scheduler", namespace, logger: silent });
  await bus.provision();
});

afterAll(async () => {
  child?.kill("SIGKILL");
  await survivor?.stop();
  await nc?.close();
  await database?.drop();
});

function waitForLine(proc: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    proc.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split("\n").includes(line)) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`worker exited with ${code} before "${line}"`)));
  });
}

describe("a worker killed in the middle of a job", () => {
  it("has the job redelivered to another worker, and its effect happens once", async () => {
    child = spawn(process.execPath, [join(here, "fixtures", "worker-process.ts")], {
      env: { ...process.env, DATABASE_URL: database.url, NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: namespace },
      stdio: ["ignore", "pipe", "inherit"],
    });
    await waitForLine(child, "ready");

    const runId = randomUUID();
    const message: JobMessage = {
      runId,
      jobType: effectJob.name,
      generation: 1,
      payload: { holdMs: 60_000 },
      queuedAt: new Date().toISOString(),
    };
    const reports: unknown[] = [];
    const subscription = nc.subscribe(bus.names.subject(JOB_RUN_REPORTS_SUBJECT), {
      callback: (_err, msg) => {
        reports.push(JobRunReportSchema.parse(msg.json()));
      },
    });
    const effectApplied = waitForLine(child, "effect");
    await jetstream(nc).publish(bus.names.subject(effectJob.subject), JSON.stringify(message), {
      msgID: `${runId}:1`,
    });
    await effectApplied;
    child.kill("SIGKILL");
    await once(child, "exit");

    survivor = await startJobWorker({
      bus,
      logger,
      ackWaitMs: 2_000,
      jobs: [effectHandler(database.db, "survivor", { hold: false, onEffect: () => {} })],
    });
    const succeeded = () => reports.some((r) => JobRunReportSchema.parse(r).outcome === "succeeded");
    const deadline = Date.now() + 20_000;
    while (!succeeded() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const { rows: attempts } = await sql<{ attempt: number; worker: string }>`
      select attempt, worker from attempts where run_id = ${runId} order by attempt
    `.execute(database.db);
    expect(attempts).toEqual([
      { attempt: 1, worker: "doomed" },
      { attempt: 2, worker: "survivor" },
    ]);
    const { rows: effects } = await sql<{
      worker: string;
    }>`select worker from effects where run_id = ${runId}`.execute(database.db);
    expect(effects).toEqual([{ worker: "doomed" }]);
    subscription.unsubscribe();
    expect(reports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ runId, attempt: 1, outcome: "started" }),
        expect.objectContaining({ runId, attempt: 2, outcome: "started" }),
        expect.objectContaining({ runId, attempt: 2, outcome: "succeeded" }),
      ]),
    );
  });
});
