import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, createBus } from "@tessera/bus";
import { jobsEnqueue, runsGet } from "@tessera/contracts";
import { eventually, type InProcessService, startInProcess, TEST_NATS_URL } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jobSchedulerConfigSchema } from "../../../services/job-scheduler/src/config.ts";
import { startJobSchedulerService } from "../../../services/job-scheduler/src/service.ts";
import { runCliProcess, silent } from "./support.ts";

let scheduler: InProcessService<Awaited<ReturnType<typeof startJobSchedulerService>>>;
let nc: NatsConnection;
let caller: Bus;
let env: Record<string, string>;
const admin = () => ({ requestId: randomUUID(), actor: "system:test" });
const cli = (...args: string[]) => runCliProcess(env, ...args);

beforeAll(async () => {
  scheduler = await startInProcess({
    configSchema: jobSchedulerConfigSchema,
    start: (config) => startJobSchedulerService(config),
    // Quick retries, so a failing run is dead within a second or two.
    env: { JOB_RETRY_INITIAL_DELAY_MS: "200", JOB_RETRY_FACTOR: "2", JOB_RETRY_JITTER: "0" },
  });
  nc = await connect({ servers: TEST_NATS_URL });
  caller = createBus(nc, { service: "api-gateway", namespace: scheduler.namespace, logger: silent });
  env = { NATS_URL: TEST_NATS_URL, BUS_NAMESPACE: scheduler.namespace };
});

afterAll(async () => {
  await nc?.close();
  await scheduler?.stop();
});

describe("npm run cli -- runs", () => {
  it("lists a queued run and cancels it", async () => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const { runId } = await caller.request(jobsEnqueue, { jobType: "hello_world", runAt }, admin());

    const listed = await cli("runs", "list", "--type", "hello_world", "--status", "queued");
    expect(listed.stderr).toBe("");
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`^${runId} {2}hello_world {2}queued {2}attempts 0 {2}queued \\S+\\n`, "m"),
    );

    const cancelled = await cli("runs", "cancel", runId);
    expect(cancelled.stderr).toBe("");
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^cancelled: ${runId} {2}hello_world {2}cancelled `));
    expect((await caller.request(runsGet, { runId }, admin())).status).toBe("cancelled");
  });

  it("replays a dead run, which is queued again", async () => {
    const { runId } = await caller.request(
      jobsEnqueue,
      { jobType: "hello_world", payload: { fail: true } },
      admin(),
    );
    await eventually(
      async () => ((await caller.request(runsGet, { runId }, admin())).status === "dead" ? true : undefined),
      { what: "the run to be dead", timeoutMs: 20_000 },
    );
    const replayed = await cli("runs", "replay", runId);
    expect(replayed.stderr).toBe("");
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(
      new RegExp(`^replayed: ${runId} {2}hello_world {2}(queued|running|failed|dead) `),
    );
    expect((await caller.request(runsGet, { runId }, admin())).attempts).toBeGreaterThanOrEqual(0);
  });

  it("says what the scheduler refuses, with exit 1, and a bad run id is a usage error", async () => {
    const unknown = randomUUID();
    expect(await cli("runs", "cancel", unknown)).toEqual({
      code: 1,
      stdout: "",
      stderr: `runs cancel failed: job.run_not_found: Run ${unknown} does not exist.\n`,
    });
    const bad = await cli("runs", "cancel", "nope");
    expect(bad).toEqual({
      code: 2,
      stdout: "",
      stderr: "not a run id: nope\nusage: npm run cli -- runs cancel <runId>\n",
    });
  });
});
