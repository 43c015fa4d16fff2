import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames, DLQ_HEADER } from "@tessera/bus";
import { jobsEnqueue, RemoteError, runsGet, runsReplay } from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCtx, connectCaller, type Scheduler, startScheduler, waitFor } from "./support.ts";

let scheduler: Scheduler;
let nc: NatsConnection;
let caller: Bus;

beforeAll(async () => {
  // hello_world allows 3 attempts; delays 300 ms then 900 ms (factor 3, no jitter).
  scheduler = await startScheduler();
  ({ nc, bus: caller } = await connectCaller(scheduler.namespace));
});

afterAll(async () => {
  await nc?.close();
  await scheduler?.stop();
});

async function lifecycle(runId: string): Promise<{ type: string; data: Record<string, string | number> }[]> {
  const { rows } = await sql<{ type: string; data: Record<string, string | number> }>`
    select type, data from jobs.events where stream_id = ${`run-${runId}`} order by stream_version
  `.execute(scheduler.database.db);
  return rows;
}

async function deadLetters(): Promise<{ runId: string; error: string | undefined }[]> {
  const names = busNames(scheduler.namespace);
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(names.stream("DLQ"));
  const letters: { runId: string; error: string | undefined }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(names.stream("DLQ"), { seq });
    if (!msg) continue;
    // `dlq.<service>.<purpose>.<source stream>.<source seq>`
    const source = `${names.subject("dlq.job-scheduler.job-hello-world")}.${names.stream("JOBS")}.`;
    expect(msg.subject.startsWith(source)).toBe(true);
    expect(Number(msg.subject.slice(source.length))).toBeGreaterThan(0);
    letters.push({ runId: msg.json<{ runId: string }>().runId, error: msg.header.get(DLQ_HEADER.error) });
  }
  return letters;
}

const dead = (runId: string, attempts: number) =>
  waitFor(async () => {
    const run = await caller.request(runsGet, { runId }, adminCtx());
    return run.status === "dead" && run.attempts === attempts ? run : undefined;
  }, `run ${runId} to be dead after ${attempts} attempts`);

describe("a job that always fails", () => {
  it("is tried the configured number of times with growing delays, then dead and in the DLQ; replay queues it again", async () => {
    const { runId } = await caller.request(
      jobsEnqueue,
      { jobType: "hello_world", payload: { fail: true } },
      adminCtx(),
    );
    const run = await dead(runId, 3);
    expect(run.error).toContain("hello_world was asked to fail");

    const events = await lifecycle(runId);
    expect(events.map((e) => e.type.replace("job-scheduler.run.", ""))).toEqual([
      "queued",
      "started",
      "failed",
      "started",
      "failed",
      "started",
      "dead",
    ]);
    const at = (i: number, field: string) => Date.parse(String(events[i]?.data[field]));
    const firstDelay = at(3, "startedAt") - at(2, "failedAt");
    const secondDelay = at(5, "startedAt") - at(4, "failedAt");
    expect(firstDelay).toBeGreaterThanOrEqual(250);
    expect(secondDelay).toBeGreaterThan(firstDelay * 1.5);

    const letters = await waitFor(async () => {
      const found = await deadLetters();
      return found.length > 0 ? found : undefined;
    }, "the dead letter");
    expect(letters).toEqual([{ runId, error: expect.stringContaining("hello_world was asked to fail") }]);

    const replayed = await caller.request(runsReplay, { runId }, adminCtx());
    expect(["queued", "running", "failed"]).toContain(replayed.status);
    const again = await dead(runId, 6);
    expect(again.status).toBe("dead");
    const generations = (await lifecycle(runId))
      .filter((e) => e.type === "job-scheduler.run.queued")
      .map((e) => e.data.generation);
    expect(generations).toEqual([1, 2]);
    expect(await deadLetters()).toHaveLength(2);
  });

  it("refuses to replay a run that is not dead", async () => {
    const { runId } = await caller.request(jobsEnqueue, { jobType: "hello_world" }, adminCtx());
    await waitFor(async () => {
      const run = await caller.request(runsGet, { runId }, adminCtx());
      return run.status === "succeeded" ? run : undefined;
    }, "success");
    const error = await caller.request(runsReplay, { runId }, adminCtx()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ status: 409, code: "job.run_not_replayable" });
  });
});
