import { jetstreamManager } from "@nats-io/jetstream";
import { busNames } from "@tessera/bus";
import { memoryPruneJob, schedulesCreate, schedulesPause } from "@tessera/contracts";
import { rebuildProjection } from "@tessera/eventstore";
import { announceJobType, openJobTypeRegistry } from "@tessera/jobs";
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { scheduleDecider } from "../src/domain/decide-schedule.ts";
import { type ScheduleEvent, scheduleStreamId } from "../src/domain/schedule.ts";
import { schedulesReadModel } from "../src/infra/schedule-projection.ts";
import { loadScheduleState } from "../src/infra/schedules.ts";
import { adminCtx, advance, ticked, useClockedScheduler, waitFor } from "./support.ts";

const fixture = useClockedScheduler();
let scheduleIds: string[] = [];

beforeAll(async () => {
  // Announced with no worker behind it: its runs stay queued, so a buffer_one schedule of it buffers.
  await announceJobType(
    await openJobTypeRegistry(fixture.caller),
    memoryPruneJob,
    { timeoutMs: memoryPruneJob.timeoutMs, retry: memoryPruneJob.retry },
    fixture.clock.now(),
  );
});

async function scheduleRows(): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<Record<string, unknown>>`
    select * from jobs.schedules order by schedule_id
  `.execute(fixture.scheduler.database.db);
  return rows;
}

describe("a rebuild of the schedules read model", () => {
  it("gives every schedule the next fire time and the buffered occurrence it had before", async () => {
    const create = (name: string, jobType: string, overlap: "skip" | "buffer_one" | "allow_all") =>
      fixture.caller.request(schedulesCreate, { name, cron: "* * * * * *", jobType, overlap }, adminCtx());
    const buffering = await create("rebuild buffer_one", memoryPruneJob.name, "buffer_one");
    const firing = await create("rebuild allow_all", "hello_world", "allow_all");
    const paused = await create("rebuild paused", "hello_world", "skip");
    scheduleIds = [buffering.id, firing.id, paused.id];
    for (let second = 1; second <= 4; second++) await advance(fixture.clock, 1_000, fixture.scheduler);
    await fixture.caller.request(schedulesPause, { scheduleId: paused.id }, adminCtx());
    // No tick may move a cursor between the two readings.
    await ticked(fixture.scheduler);
    await fixture.scheduler.leader.stop();

    const before = await scheduleRows();
    const byId = new Map(before.map((row) => [row.schedule_id, row]));
    // The cursors moved past the first occurrence (00:00:01), and one occurrence waits in the buffer.
    for (const { id } of [buffering, firing, paused]) {
      expect(byId.get(id)?.next_fire_at).toEqual(new Date("2030-01-01T00:00:05.000Z"));
    }
    expect(byId.get(buffering.id)?.buffered_occurrence).toEqual(new Date("2030-01-01T00:00:04.000Z"));

    await rebuildProjection(fixture.scheduler.running.runtime.db, {
      schema: "jobs",
      projection: schedulesReadModel,
    });
    expect(await scheduleRows()).toEqual(before);
  });

  it("leaves in each schedule's row the state its stream folds to, at the stream's version", async () => {
    const { db, store } = fixture.scheduler.running.runtime;
    for (const scheduleId of scheduleIds) {
      const { events, version } = await store.readStream<ScheduleEvent>(scheduleStreamId(scheduleId));
      const folded = events.reduce(scheduleDecider.evolve, scheduleDecider.initialState());
      expect(events.some((event) => event.type === "job-scheduler.schedule.advanced")).toBe(true);
      expect(await loadScheduleState(db, scheduleId)).toEqual({ state: folded, version });
    }
  });

  it("keeps the firing cursor's events private: they are stored, never published", async () => {
    const jsm = await jetstreamManager(fixture.nc);
    const stream = busNames(fixture.scheduler.namespace).stream("EVT_JOB_SCHEDULER");
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
