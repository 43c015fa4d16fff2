import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames } from "@tessera/bus";
import { memoryPruneJob, schedulesCreate, schedulesPause } from "@tessera/contracts";
import { rebuildProjection } from "@tessera/eventstore";
import { announceJobType, openJobTypeRegistry } from "@tessera/jobs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scheduleDecider } from "../src/domain/decide-schedule.ts";
import { type ScheduleEvent, scheduleStreamId } from "../src/domain/schedule.ts";
import { schedulesReadModel } from "../src/infra/schedule-projection.ts";
import { loadScheduleState } from "../src/infra/schedules.ts";
import {
  adminCtx,
  advance,
  connectCaller,
  type Scheduler,
  startScheduler,
  type TestClock,
  testClock,
  ticked,
  waitFor,
} from "./support.ts";

let clock: TestClock;
let scheduler: Scheduler;
let nc: NatsConnection;
let caller: Bus;
let scheduleIds: string[] = [];

beforeAll(async () => {
  clock = testClock();
  scheduler = await startScheduler({ clock });
  ({ nc, bus: caller } = await connectCaller(scheduler.namespace));
  // Announced with no worker behind it: its runs stay queued, so a buffer_one schedule of it buffers.
  await announceJobType(
    await openJobTypeRegistry(caller),
    memoryPruneJob,
    { timeoutMs: memoryPruneJob.timeoutMs, retry: memoryPruneJob.retry },
    clock.now(),
  );
});

afterAll(async () => {
  await nc?.close();
  await scheduler?.stop();
});

async function scheduleRows(): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select * from jobs.schedules order by schedule_id
  `.execute(scheduler.database.db);
  return rows;
}

describe("a rebuild of the schedules read model", () => {
  it("gives every schedule the next fire time and the buffered occurrence it had before", async () => {
    const create = (name: string, jobType: string, overlap: "skip" | "buffer_one" | "allow_all") =>
      caller.request(schedulesCreate, { name, cron: "* * * * * *", jobType, overlap }, adminCtx());
    const buffering = await create("rebuild buffer_one", memoryPruneJob.name, "buffer_one");
    const firing = await create("rebuild allow_all", "hello_world", "allow_all");
    const paused = await create("rebuild paused", "hello_world", "skip");
    scheduleIds = [buffering.id, firing.id, paused.id];
    for (let second = 1; second <= 4; second++) await advance(clock, 1_000, scheduler);
    await caller.request(schedulesPause, { scheduleId: paused.id }, adminCtx());
    // No tick may move a cursor between the two readings.
    await ticked(scheduler);
    await scheduler.leader.stop();

    const before = await scheduleRows();
    const byId = new Map(before.map((row) => [row.schedule_id, row]));
    // The cursors moved past the first occurrence (00:00:01), and one occurrence waits in the buffer.
    for (const { id } of [buffering, firing, paused]) {
      expect(byId.get(id)?.next_fire_at).toEqual(new Date("2030-01-01T00:00:05.000Z"));
    }
    expect(byId.get(buffering.id)?.buffered_occurrence).toEqual(new Date("2030-01-01T00:00:04.000Z"));

    await rebuildProjection(scheduler.running.runtime.db, { schema: "jobs", projection: schedulesReadModel });
    expect(await scheduleRows()).toEqual(before);
  });

  it("leaves in each schedule's row the state its stream folds to, at the stream's version", async () => {
    const { db, store } = scheduler.running.runtime;
    for (const scheduleId of scheduleIds) {
      const { events, version } = await store.readStream<ScheduleEvent>(scheduleStreamId(scheduleId));
      const folded = events.reduce(scheduleDecider.evolve, scheduleDecider.initialState());
      expect(events.some((event) => event.type === "job-scheduler.schedule.advanced")).toBe(true);
      expect(await loadScheduleState(db, scheduleId)).toEqual({ state: folded, version });
    }
  });

  it("keeps the firing cursor's events private: they are stored, never published", async () => {
    const jsm = await jetstreamManager(nc);
    const stream = busNames(scheduler.namespace).stream("EVT_JOB_SCHEDULER");
    const subjects = await waitFor(async () => {
      const info = await jsm.streams.info(stream, { subjects_filter: ">" });
      const found = Object.keys(info.state.subjects ?? {});
      // The relay publishes in order: once the pause is out, every advance before it was passed over.
      return found.some((subject) => subject.endsWith("schedule.paused")) ? found : undefined;
    }, "the pause on the bus");
    expect(subjects.some((subject) => subject.endsWith("schedule.created"))).toBe(true);
    expect(subjects.filter((subject) => subject.includes("schedule.advanced"))).toEqual([]);
  });
});
