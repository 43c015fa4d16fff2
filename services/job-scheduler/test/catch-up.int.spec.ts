import type { NatsConnection } from "@nats-io/transport-node";
import type { Bus } from "@tessera/bus";
import { type CatchUp, schedulesCreate, schedulesPause } from "@tessera/contracts";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCtx, connectCaller, type Scheduler, startScheduler } from "./support.ts";

let database: TestDatabase;
let namespace: string;
let running: Scheduler | undefined;
let nc: NatsConnection;
let caller: Bus;

beforeAll(async () => {
  database = await createTestDatabase("jobs-catchup");
  namespace = testNamespace("jobscu");
  running = await startScheduler({ database, namespace });
  ({ nc, bus: caller } = await connectCaller(namespace));
});

afterAll(async () => {
  await nc?.close();
  await running?.stop();
  await database?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function occurrences(scheduleId: string): Promise<number[]> {
  const { rows } = await sql<{ occurrence: Date }>`
    select occurrence from jobs.runs where schedule_id = ${scheduleId} and occurrence is not null order by occurrence
  `.execute(database.db);
  return rows.map((row) => row.occurrence.getTime() / 1000);
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
    await sleep(2_500);
    await running?.stop();
    const stoppedAt = Date.now() / 1000;
    // Down for 5 s; an occurrence more than 1.5 s late (SCHEDULER_MISFIRE_GRACE_MS) counts as missed.
    await sleep(5_000);
    running = await startScheduler({ database, namespace });
    await sleep(1_500);
    for (const schedule of schedules) {
      await caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
    }

    const [none, latest, all] = await Promise.all(schedules.map((s) => occurrences(s.id)));
    const firstAfter = (list: number[]) => list.find((second) => second > stoppedAt)!;
    const lastBefore = (list: number[]) => list.filter((second) => second <= stoppedAt).at(-1)!;

    // all: nothing missing between the last occurrence before the stop and the first after it.
    expect(firstAfter(all!) - lastBefore(all!)).toBe(1);
    expect(all!.at(-1)! - all![0]!).toBe(all!.length - 1);
    // none: a hole of at least the downtime less the grace, then only on-time occurrences.
    const resumedAt = firstAfter(none!);
    expect(resumedAt - lastBefore(none!)).toBeGreaterThanOrEqual(3);
    // latest: the one occurrence just before the on-time ones (same tick, same clock as `none`), no others.
    expect(firstAfter(latest!)).toBe(resumedAt - 1);
    expect(latest!.filter((second) => second > lastBefore(latest!) && second < resumedAt - 1)).toEqual([]);
    expect(lastBefore(latest!)).toBe(lastBefore(none!));
  });
});
