import type { NatsConnection } from "@nats-io/transport-node";
import type { Bus } from "@tessera/bus";
import { type CatchUp, schedulesCreate, schedulesPause } from "@tessera/contracts";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminCtx,
  advance,
  connectCaller,
  type Scheduler,
  startScheduler,
  type TestClock,
  testClock,
  ticked,
} from "./support.ts";

let database: TestDatabase;
let namespace: string;
let clock: TestClock;
let running: Scheduler | undefined;
let nc: NatsConnection;
let caller: Bus;

beforeAll(async () => {
  database = await createTestDatabase("jobs-catchup");
  namespace = testNamespace("jobscu");
  clock = testClock("2030-01-01T00:00:00.500Z");
  running = await startScheduler({ database, namespace, clock });
  ({ nc, bus: caller } = await connectCaller(namespace));
});

afterAll(async () => {
  await nc?.close();
  await running?.stop();
  await database?.drop();
});

/** The seconds (of the minute) of the schedule's occurrences that have a run. */
async function occurrences(scheduleId: string): Promise<number[]> {
  const { rows } = await sql<{ occurrence: Date }>`
    select occurrence from jobs.runs where schedule_id = ${scheduleId} and occurrence is not null order by occurrence
  `.execute(database.db);
  return rows.map((row) => row.occurrence.getUTCSeconds());
}

describe("a scheduler restarted after downtime", () => {
  it("runs none, the latest, or all of the missed occurrences as each schedule's catch-up policy says", async () => {
    const policies: CatchUp["policy"][] = ["none", "latest", "all"];
    const schedules = await Promise.all(
      policies.map((policy) =>
        caller.request(
          schedulesCreate,
          {
            name: `catch-up ${policy}`,
            cron: "* * * * * *",
            jobType: "hello_world",
            overlap: "allow_all",
            catchUp: { policy, windowSeconds: 60 },
          },
          adminCtx(),
        ),
      ),
    );
    await advance(clock, 1_000, running!); // 00:00:01.5 — second 1 fires
    await advance(clock, 1_000, running!); // 00:00:02.5 — second 2 fires
    await running?.stop();
    // Down for 5 s; an occurrence more than 1.5 s late (SCHEDULER_MISFIRE_GRACE_MS) counts as missed:
    // back at 00:00:07.5, seconds 3 to 5 were missed, 6 and 7 are on time.
    clock.advance(5_000);
    running = await startScheduler({ database, namespace, clock });
    await ticked(running);
    await advance(clock, 1_000, running); // 00:00:08.5 — second 8 fires
    for (const schedule of schedules) {
      await caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
    }

    const [none, latest, all] = await Promise.all(schedules.map((s) => occurrences(s.id)));
    expect(none).toEqual([1, 2, 6, 7, 8]);
    expect(latest).toEqual([1, 2, 5, 6, 7, 8]);
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
