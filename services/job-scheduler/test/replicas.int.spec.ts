import type { NatsConnection } from "@nats-io/transport-node";
import type { Bus } from "@tessera/bus";
import { schedulesCreate, schedulesPause } from "@tessera/contracts";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCtx, connectCaller, type Scheduler, startScheduler } from "./support.ts";

let database: TestDatabase;
let namespace: string;
let replicas: Scheduler[] = [];
let nc: NatsConnection;
let caller: Bus;

beforeAll(async () => {
  database = await createTestDatabase("jobs-replicas");
  namespace = testNamespace("jobsrep");
  replicas = await Promise.all([1, 2, 3].map(() => startScheduler({ database, namespace })));
  ({ nc, bus: caller } = await connectCaller(namespace));
});

afterAll(async () => {
  await nc?.close();
  for (const replica of replicas) await replica.stop().catch(() => undefined);
  await database?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("three scheduler replicas on one database", () => {
  it("queue each occurrence of a per-second schedule exactly once, across a leader change", async () => {
    const schedule = await caller.request(
      schedulesCreate,
      {
        name: "every second",
        cron: "* * * * * *",
        jobType: "hello_world",
        overlap: "allow_all",
        catchUp: { policy: "all", windowSeconds: 60 },
      },
      adminCtx(),
    );
    await sleep(3_000);
    // The leader loses its database connection (and with it the lock) twice: another replica carries on.
    const first = await terminateLeaderConnection();
    await sleep(3_000);
    const second = await terminateLeaderConnection();
    expect(second).not.toBe(first);
    await sleep(3_000);
    await caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
    await sleep(500);

    const { rows } = await sql<{ occurrence: Date; runs: number }>`
      select occurrence, count(*)::int as runs from jobs.runs
      where schedule_id = ${schedule.id} group by occurrence order by occurrence
    `.execute(database.db);
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows.every((row) => row.runs === 1)).toBe(true);
    const seconds = rows.map((row) => row.occurrence.getTime() / 1000);
    // Contiguous: no occurrence between the first and the last was lost in the hand-over.
    expect(seconds.at(-1)! - seconds[0]!).toBe(seconds.length - 1);
    const { rows: queued } = await sql<{ n: number }>`
      select count(*)::int as n from jobs.events e
      where e.type = 'job-scheduler.run.queued' and e.data->>'scheduleId' = ${schedule.id}
    `.execute(database.db);
    expect(queued[0]?.n).toBe(rows.length);
  });
});

/** Kills the leader's lock connection; returns its backend pid. */
async function terminateLeaderConnection(): Promise<number> {
  const { rows } = await sql<{ pid: number }>`
    select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'advisory' and l.granted and a.datname = current_database()
      and a.application_name = 'job-scheduler-leader'
  `.execute(database.db);
  expect(rows).toHaveLength(1);
  const pid = rows[0]!.pid;
  await sql`select pg_terminate_backend(${pid})`.execute(database.db);
  return pid;
}
