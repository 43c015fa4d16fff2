import type { NatsConnection } from "@nats-io/transport-node";
import type { Bus } from "@tessera/bus";
import { schedulesCreate, schedulesPause } from "@tessera/contracts";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminCtx,
  connectCaller,
  type Scheduler,
  startScheduler,
  type TestClock,
  testClock,
} from "./support.ts";

let database: TestDatabase;
let namespace: string;
let clock: TestClock;
let replicas: Scheduler[] = [];
let nc: NatsConnection;
let caller: Bus;

beforeAll(async () => {
  database = await createTestDatabase("jobs-replicas");
  namespace = testNamespace("jobsrep");
  clock = testClock("2030-01-01T00:00:00.500Z");
  replicas = await Promise.all([1, 2, 3].map(() => startScheduler({ database, namespace, clock })));
  ({ nc, bus: caller } = await connectCaller(namespace));
});

afterAll(async () => {
  await nc?.close();
  for (const replica of replicas) await replica.stop().catch(() => undefined);
  await database?.drop();
});

/** One tick of every replica at the present time; whether one of them led on it. */
async function tickAll(): Promise<boolean> {
  const led = await Promise.all(replicas.map((replica) => replica.leader.waitForTick()));
  return led.some(Boolean);
}

/** Moves the clock a second on, a tick of every replica at a time, until one of them leads at the new time. */
async function nextLedSecond(): Promise<void> {
  clock.advance(1_000);
  // After a kill, leadership comes back in real time: Postgres frees the killed session's lock and
  // a replica takes it on its next try. That wait is the point of this test, so it is not faked.
  const deadline = Date.now() + 15_000;
  while (!(await tickAll())) {
    if (Date.now() > deadline) throw new Error("no replica took the lead");
  }
}

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
    for (let s = 0; s < 3; s++) await nextLedSecond();
    // The leader loses its database connection (and with it the lock) twice: another replica carries on.
    const first = await terminateLeaderConnection();
    for (let s = 0; s < 3; s++) await nextLedSecond();
    const second = await terminateLeaderConnection();
    expect(second).not.toBe(first);
    for (let s = 0; s < 3; s++) await nextLedSecond();
    await caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());

    const { rows } = await sql<{ occurrence: Date; runs: number }>`
      select occurrence, count(*)::int as runs from jobs.runs
      where schedule_id = ${schedule.id} group by occurrence order by occurrence
    `.execute(database.db);
    expect(rows.every((row) => row.runs === 1)).toBe(true);
    // Every second from the first occurrence to the last tick has its run: none lost in the hand-overs.
    expect(rows.map((row) => row.occurrence.getUTCSeconds())).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
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
