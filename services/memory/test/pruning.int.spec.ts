import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import {
  JOB_RUN_REPORTS_SUBJECT,
  JOB_TYPES_KV,
  type JobMessage,
  type JobRunReport,
  JobRunReportSchema,
  type MessageContext,
  memoriesGet,
  memoriesPrune,
  memoriesRecord,
  memoriesSearch,
  memoryPruneJob,
} from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type MemoryHarness, startMemoryHarness } from "./harness.ts";

let harness: MemoryHarness;

beforeAll(async () => {
  // A one-second working TTL; the test runs the prune itself (no scheduler is running here).
  harness = await startMemoryHarness({ MEMORY_WORKING_TTL_SECONDS: "1" });
});

afterAll(async () => {
  await harness?.stop();
});

const projectId = randomUUID();
const ctx = (): MessageContext => ({ requestId: `req-${randomUUID()}`, actor: randomUUID(), projectId });

async function forgottenReasons(memoryId: string): Promise<{ reason: string }[]> {
  const { rows } = await sql<{ reason: string }>`
    select data->>'reason' as reason from memory.events
    where stream_id = ${`memory-${memoryId}`} and type = 'memory.memory.forgotten'
  `.execute(harness.service.database.db);
  return rows;
}

describe("working-tier TTL and pruning", () => {
  it("expires working memories: hidden from search at once, then forgotten with events by the prune", async () => {
    const working = await harness.caller.request(
      memoriesRecord,
      { projectId, content: "scratch: the user is comparing flights to Oslo", tier: "working" },
      ctx(),
    );
    const lasting = await harness.caller.request(
      memoriesRecord,
      { projectId, content: "the user lives in Oslo", tier: "semantic" },
      ctx(),
    );
    expect(working.expiresAt).not.toBeNull();
    expect(lasting.expiresAt).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    const found = await harness.caller.request(
      memoriesSearch,
      { projectId, query: "Oslo", mode: "keyword" },
      ctx(),
    );
    expect(found.items.map((item) => item.memory.id)).toEqual([lasting.id]);

    const dry = await harness.caller.request(memoriesPrune, { dryRun: true }, ctx());
    expect(dry.forgotten).toBe(1);
    const pruned = await harness.caller.request(memoriesPrune, {}, ctx());
    expect(pruned.forgotten).toBe(1);
    await expect(
      harness.caller.request(memoriesGet, { projectId, memoryId: working.id }, ctx()),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      harness.caller.request(memoriesGet, { projectId, memoryId: lasting.id }, ctx()),
    ).resolves.toMatchObject({
      id: lasting.id,
    });
    expect(await forgottenReasons(working.id)).toEqual([{ reason: "expired" }]);
    expect((await harness.caller.request(memoriesPrune, {}, ctx())).forgotten).toBe(0);
  });

  it("runs the memory.prune job from the JOBS stream: expired working memories are forgotten and the run succeeds", async () => {
    const announced = await harness.caller.kv(JOB_TYPES_KV.bucket);
    expect((await announced.get(memoryPruneJob.name))?.json()).toMatchObject({
      name: "memory.prune",
      service: "memory",
    });
    const working = await harness.caller.request(
      memoriesRecord,
      { projectId, content: "scratch: draft reply about the Bergen trip", tier: "working" },
      ctx(),
    );
    const lasting = await harness.caller.request(
      memoriesRecord,
      { projectId, content: "the user prefers trains to planes", tier: "procedural" },
      ctx(),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_200));

    const reports: JobRunReport[] = [];
    const subscription = harness.nc.subscribe(harness.caller.names.subject(JOB_RUN_REPORTS_SUBJECT), {
      callback: (_err, msg) => {
        reports.push(JobRunReportSchema.parse(msg.json()));
      },
    });
    const runId = randomUUID();
    const message: JobMessage = {
      runId,
      jobType: memoryPruneJob.name,
      generation: 1,
      payload: { projectId },
      queuedAt: new Date().toISOString(),
    };
    await jetstream(harness.nc).publish(
      harness.caller.names.subject(memoryPruneJob.subject),
      JSON.stringify(message),
      { msgID: `${runId}:1` },
    );
    const outcome = await eventually(async () =>
      reports.find((report) => report.runId === runId && report.outcome !== "started"),
    );
    subscription.unsubscribe();

    expect(outcome).toMatchObject({ outcome: "succeeded", attempt: 1 });
    expect(await forgottenReasons(working.id)).toEqual([{ reason: "expired" }]);
    expect(await forgottenReasons(lasting.id)).toEqual([]);
    await expect(
      harness.caller.request(memoriesGet, { projectId, memoryId: working.id }, ctx()),
    ).rejects.toMatchObject({ status: 404 });
  });
});
