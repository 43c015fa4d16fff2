import type { NatsConnection } from "@nats-io/transport-node";
import type { Bus } from "@tessera/bus";
import { schedulesCreate, schedulesGet, schedulesPause } from "@tessera/contracts";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCtx, advance, connectCaller, type Scheduler, startScheduler, testClock } from "./support.ts";

let database: TestDatabase;
let namespace: string;
let running: Scheduler | undefined;
let nc: NatsConnection;
let caller: Bus;
const clock = testClock();

beforeAll(async () => {
  database = await createTestDatabase("jobs-upgrade");
  namespace = testNamespace("jobsup");
  running = await startScheduler({ database, namespace, clock });
  ({ nc, bus: caller } = await connectCaller(namespace));
});

afterAll(async () => {
  await nc?.close();
  await running?.stop();
  await database?.drop();
});

describe("a scheduler upgraded over schedules that have fired", () => {
  it("goes on firing them and takes their commands, its rows set to their streams' versions", async () => {
    const schedule = await caller.request(
      schedulesCreate,
      { name: "before the upgrade", cron: "* * * * * *", jobType: "hello_world", overlap: "allow_all" },
      adminCtx(),
    );
    await advance(clock, 1_000, running!);
    await advance(clock, 1_000, running!);
    await running?.stop();
    // The schema as it was before rows recorded their stream's version.
    await sql`alter table jobs.schedules drop column stream_version`.execute(database.db);
    await sql`delete from jobs.kysely_migration where name = '2026_11_24_0001_schedule_stream_version'`.execute(
      database.db,
    );

    running = await startScheduler({ database, namespace, clock });
    await advance(clock, 1_000, running);
    const paused = await caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
    expect(paused.status).toBe("paused");
    expect(paused.nextFireAt).toBe("2030-01-01T00:00:04.000Z");
    const { rows } = await sql<{ seconds: number }>`
      select extract(second from occurrence)::int as seconds from jobs.runs
      where schedule_id = ${schedule.id} order by occurrence
    `.execute(database.db);
    expect(rows.map((row) => row.seconds)).toEqual([1, 2, 3]);
    expect((await caller.request(schedulesGet, { scheduleId: schedule.id }, adminCtx())).status).toBe(
      "paused",
    );
  });
});
