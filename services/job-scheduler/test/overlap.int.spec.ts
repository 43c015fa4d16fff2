import { createBus } from "@tessera/bus";
import {
  memoryPruneJob,
  type OverlapPolicy,
  runsCancel,
  schedulesCreate,
  schedulesPause,
  schedulesTrigger,
} from "@tessera/contracts";
import { handleJob, type JobLogger, type JobWorker, startJobWorker } from "@tessera/jobs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminCtx, advance, silent, ticked, useClockedScheduler, waitFor } from "./support.ts";

/**
 * A schedule's job that runs longer than its interval. The job is `memory.prune`, a declared hook
 * type, run here by a stand-in memory worker whose attempts last until the test releases them. The
 * scheduler's clock moves a second at a time, and each step waits for the leader's tick.
 */

const fixture = useClockedScheduler();
let memoryWorker: JobWorker;
const quiet: JobLogger = { ...silent, child: () => quiet };

let holding = true;
const waiting = new Set<() => void>();
function releaseAll(): void {
  holding = false;
  for (const release of waiting) release();
  waiting.clear();
}

beforeAll(async () => {
  const memoryBus = createBus(fixture.nc, {
    service: "memory",
    namespace: fixture.scheduler.namespace,
    logger: silent,
  });
  memoryWorker = await startJobWorker({
    bus: memoryBus,
    logger: quiet,
    ackWaitMs: 5_000,
    clock: fixture.clock.now,
    jobs: [
      handleJob(memoryPruneJob, async (_payload, ctx) => {
        if (!holding) return;
        await new Promise<void>((resolve) => {
          waiting.add(resolve);
          ctx.signal.addEventListener("abort", () => resolve());
        });
      }),
    ],
  });
});

afterAll(async () => {
  releaseAll();
  await memoryWorker?.stop();
});

const second = () => advance(fixture.clock, 1_000, fixture.scheduler);

interface RunOf {
  /** Seconds after the schedule was created (its first occurrence is 1). */
  occurrence: number;
  status: string;
}

/** The runs of the schedule's occurrences, oldest first. */
async function runsOf(schedule: { id: string; createdAt: string }): Promise<RunOf[]> {
  const { rows } = await sql<{ occurrence: Date; status: string }>`
    select occurrence, status from jobs.runs
    where schedule_id = ${schedule.id} and occurrence is not null order by occurrence
  `.execute(fixture.scheduler.database.db);
  const created = Date.parse(schedule.createdAt);
  return rows.map((row) => ({
    occurrence: Math.ceil((row.occurrence.getTime() - created) / 1_000),
    status: row.status,
  }));
}

const occurrencesOf = async (schedule: { id: string; createdAt: string }) =>
  (await runsOf(schedule)).map((run) => run.occurrence);

/** Statuses of every run of the schedule, triggered ones included. */
async function statusesOf(scheduleId: string): Promise<string[]> {
  const { rows } = await sql<{ status: string }>`
    select status from jobs.runs where schedule_id = ${scheduleId} order by status
  `.execute(fixture.scheduler.database.db);
  return rows.map((row) => row.status);
}

/** Seconds after creation of the occurrence the schedule keeps back, if any. */
async function bufferedOf(schedule: { id: string; createdAt: string }): Promise<number | null> {
  const { rows } = await sql<{ buffered_occurrence: Date | null }>`
    select buffered_occurrence from jobs.schedules where schedule_id = ${schedule.id}
  `.execute(fixture.scheduler.database.db);
  const buffered = rows[0]?.buffered_occurrence;
  return buffered ? Math.ceil((buffered.getTime() - Date.parse(schedule.createdAt)) / 1_000) : null;
}

const ended = (schedule: { id: string; createdAt: string }, what: string) =>
  waitFor(async () => {
    const runs = await runsOf(schedule);
    return runs.every((run) => run.status === "succeeded") ? runs : undefined;
  }, what);

/**
 * A per-second schedule (created half a second before a whole second) whose first run, at second 1,
 * is held while seconds 2 to 5 come due; then the hold ends and the first run finishes.
 */
async function holdFirstRun(overlap: OverlapPolicy) {
  holding = true;
  const schedule = await fixture.caller.request(
    schedulesCreate,
    { name: `overlap ${overlap}`, cron: "* * * * * *", jobType: memoryPruneJob.name, overlap },
    adminCtx(),
  );
  for (let s = 1; s <= 5; s++) await second();
  const duringHold = await occurrencesOf(schedule);
  const bufferedDuringHold = await bufferedOf(schedule);
  releaseAll();
  await waitFor(
    async () => ((await runsOf(schedule))[0]?.status === "succeeded" ? true : undefined),
    "run 1",
  );
  return { schedule, duringHold, bufferedDuringHold };
}

describe("a per-second schedule whose job runs longer than a second", () => {
  it("with overlap skip, drops the occurrences that come due while its run is unfinished", async () => {
    const { schedule, duringHold, bufferedDuringHold } = await holdFirstRun("skip");
    expect(duringHold).toEqual([1]);
    expect(bufferedDuringHold).toBeNull();
    // The next occurrence after the run ended runs on time.
    await second();
    await fixture.caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
    expect((await ended(schedule, "every run to end")).map((run) => run.occurrence)).toEqual([1, 6]);
  });

  it("with overlap buffer_one, runs the newest occurrence that came due meanwhile as soon as the run ends", async () => {
    const { schedule, duringHold, bufferedDuringHold } = await holdFirstRun("buffer_one");
    expect(duringHold).toEqual([1]);
    // The newest of seconds 2 to 5, not the oldest …
    expect(bufferedDuringHold).toBe(5);
    // … runs once the first run has ended, before the clock moves on.
    await ticked(fixture.scheduler);
    expect(await occurrencesOf(schedule)).toEqual([1, 5]);
    expect(await bufferedOf(schedule)).toBeNull();
    await ended(schedule, "the buffered run to end");
    await second();
    await fixture.caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
    expect((await ended(schedule, "every run to end")).map((run) => run.occurrence)).toEqual([1, 5, 6]);
  });

  it("with overlap allow_all, queues every occurrence while the first run is still unfinished", async () => {
    const { schedule, duringHold, bufferedDuringHold } = await holdFirstRun("allow_all");
    expect(duringHold).toEqual([1, 2, 3, 4, 5]);
    expect(bufferedDuringHold).toBeNull();
    await fixture.caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
    expect((await ended(schedule, "every run to end")).map((run) => run.occurrence)).toEqual([1, 2, 3, 4, 5]);
  });

  it("with overlap skip, keeps skipping while a scheduled run is unfinished even after a manual trigger ended", async () => {
    holding = true;
    const schedule = await fixture.caller.request(
      schedulesCreate,
      {
        name: "overlap skip and trigger",
        cron: "* * * * * *",
        jobType: memoryPruneJob.name,
        overlap: "skip",
      },
      adminCtx(),
    );
    await second();
    await waitFor(
      async () => ((await runsOf(schedule))[0]?.status === "running" ? true : undefined),
      "the first run to start",
    );
    const { runId } = await fixture.caller.request(schedulesTrigger, { scheduleId: schedule.id }, adminCtx());
    // The triggered run ends (cancelled) while the scheduled one is still held.
    await fixture.caller.request(runsCancel, { runId }, adminCtx());
    await second();
    await second();
    const meanwhile = await statusesOf(schedule.id);
    releaseAll();
    await fixture.caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
    await waitFor(async () => {
      const all = await statusesOf(schedule.id);
      return all.every((status) => ["succeeded", "cancelled"].includes(status)) ? all : undefined;
    }, "every run to end");

    expect(meanwhile).toEqual(["cancelled", "running"]);
  });
});
