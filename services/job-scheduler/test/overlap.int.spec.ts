import type { NatsConnection } from "@nats-io/transport-node";
import { type Bus, createBus } from "@tessera/bus";
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
import { adminCtx, connectCaller, type Scheduler, silent, startScheduler, waitFor } from "./support.ts";

/**
 * A schedule's job that runs longer than its interval. The job is `memory.prune`, a declared hook
 * type, run here by a stand-in memory worker whose attempts last until the test releases them.
 */

let scheduler: Scheduler;
let nc: NatsConnection;
let caller: Bus;
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
  scheduler = await startScheduler();
  ({ nc, bus: caller } = await connectCaller(scheduler.namespace));
  const memoryBus = createBus(nc, { service: "memory", namespace: scheduler.namespace, logger: silent });
  memoryWorker = await startJobWorker({
    bus: memoryBus,
    logger: quiet,
    ackWaitMs: 5_000,
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
  await nc?.close();
  await scheduler?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RunTimes {
  occurrence: number;
  queuedAt: number;
  status: string;
  /** When the worker finished it. */
  finishedAt: number | null;
  /** When the scheduler recorded the last change (for a finished run: when it learnt of the end). */
  updatedAt: number;
}

async function runsOf(scheduleId: string): Promise<RunTimes[]> {
  const { rows } = await sql<{
    occurrence: Date;
    queued_at: Date;
    status: string;
    finished_at: Date | null;
    updated_at: Date;
  }>`
    select occurrence, queued_at, status, finished_at, updated_at from jobs.runs
    where schedule_id = ${scheduleId} and occurrence is not null order by occurrence
  `.execute(scheduler.database.db);
  return rows.map((row) => ({
    occurrence: row.occurrence.getTime(),
    queuedAt: row.queued_at.getTime(),
    status: row.status,
    finishedAt: row.finished_at?.getTime() ?? null,
    updatedAt: row.updated_at.getTime(),
  }));
}

/** Statuses of every run of the schedule, triggered ones included. */
async function statusesOf(scheduleId: string): Promise<string[]> {
  const { rows } = await sql<{ status: string }>`
    select status from jobs.runs where schedule_id = ${scheduleId} order by status
  `.execute(scheduler.database.db);
  return rows.map((row) => row.status);
}

async function bufferedOccurrence(scheduleId: string): Promise<number | null> {
  const { rows } = await sql<{ buffered_occurrence: Date | null }>`
    select buffered_occurrence from jobs.schedules where schedule_id = ${scheduleId}
  `.execute(scheduler.database.db);
  return rows[0]?.buffered_occurrence?.getTime() ?? null;
}

interface HeldSchedule {
  first: RunTimes;
  runs: RunTimes[];
  /** The occurrence the schedule kept for later, just before the first run was released. */
  bufferedAtRelease: number | null;
  releasedAt: number;
}

/**
 * A per-second schedule whose first run is held for 4 s (four occurrences come due meanwhile), then
 * every run is let through until the schedule has run once more after the first, and is paused.
 */
async function holdFirstRun(overlap: OverlapPolicy): Promise<HeldSchedule> {
  holding = true;
  const schedule = await caller.request(
    schedulesCreate,
    { name: `overlap ${overlap}`, cron: "* * * * * *", jobType: memoryPruneJob.name, overlap },
    adminCtx(),
  );
  await waitFor(async () => ((await runsOf(schedule.id)).length > 0 ? true : undefined), "the first run");
  await sleep(4_000);
  const queuedMeanwhile = (await runsOf(schedule.id)).length;
  const bufferedAtRelease = await bufferedOccurrence(schedule.id);
  const releasedAt = Date.now();
  releaseAll();
  await waitFor(async () => {
    const runs = await runsOf(schedule.id);
    return runs[0]?.status === "succeeded" && runs.some((run) => run.queuedAt > runs[0]!.updatedAt)
      ? true
      : undefined;
  }, "a run after the first one ended");
  await caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
  const runs = await waitFor(async () => {
    const all = await runsOf(schedule.id);
    return all.every((run) => ["succeeded", "dead"].includes(run.status)) ? all : undefined;
  }, "every run to end");
  expect(runs.every((run) => run.status === "succeeded")).toBe(true);
  if (overlap !== "allow_all") expect(queuedMeanwhile).toBe(1);
  return { first: runs[0]!, runs, bufferedAtRelease, releasedAt };
}

describe("a per-second schedule whose job runs longer than a second", () => {
  it("with overlap skip, drops the occurrences that come due while its run is unfinished", async () => {
    const { first, runs, bufferedAtRelease, releasedAt } = await holdFirstRun("skip");
    const [, next] = runs;
    expect(bufferedAtRelease).toBeNull();
    // Nothing ran while the first run was held (three or more occurrences); the next run started on
    // time after it ended.
    expect(releasedAt - first.occurrence).toBeGreaterThanOrEqual(3_000);
    expect(next!.queuedAt).toBeGreaterThanOrEqual(first.updatedAt);
    expect(next!.occurrence).toBeGreaterThanOrEqual(releasedAt - 1_000);
    expect(next!.queuedAt - next!.occurrence).toBeLessThan(1_500);
  });

  it("with overlap buffer_one, runs the newest occurrence that came due meanwhile as soon as the run ends", async () => {
    const { first, runs, bufferedAtRelease } = await holdFirstRun("buffer_one");
    const [, buffered] = runs;
    // While the first run was held, the schedule kept the newest occurrence, not the oldest …
    expect(bufferedAtRelease).not.toBeNull();
    expect(bufferedAtRelease! - first.occurrence).toBeGreaterThanOrEqual(2_000);
    // … and ran it (or a still newer one) once the first ended, for an occurrence due before the end.
    expect(buffered!.occurrence).toBeGreaterThanOrEqual(bufferedAtRelease!);
    expect(buffered!.occurrence).toBeLessThanOrEqual(first.updatedAt);
    expect(buffered!.queuedAt).toBeGreaterThanOrEqual(first.updatedAt);
  });

  it("with overlap allow_all, queues every occurrence while the first run is still unfinished", async () => {
    const { first, runs, bufferedAtRelease } = await holdFirstRun("allow_all");
    expect(bufferedAtRelease).toBeNull();
    const duringHold = runs.filter(
      (run) => run.occurrence > first.occurrence && run.queuedAt < first.updatedAt,
    );
    expect(duringHold.length).toBeGreaterThanOrEqual(3);
    const seconds = runs.map((run) => run.occurrence / 1_000);
    // Every second from the first occurrence to the last has its run.
    expect(seconds.at(-1)! - seconds[0]!).toBe(seconds.length - 1);
  });

  it("with overlap skip, keeps skipping while a scheduled run is unfinished even after a manual trigger ended", async () => {
    holding = true;
    const schedule = await caller.request(
      schedulesCreate,
      {
        name: "overlap skip and trigger",
        cron: "* * * * * *",
        jobType: memoryPruneJob.name,
        overlap: "skip",
      },
      adminCtx(),
    );
    await waitFor(async () => ((await runsOf(schedule.id)).length > 0 ? true : undefined), "the first run");
    const { runId } = await caller.request(schedulesTrigger, { scheduleId: schedule.id }, adminCtx());
    // The triggered run ends (cancelled) while the scheduled one is still held.
    await caller.request(runsCancel, { runId }, adminCtx());
    await sleep(2_500);
    const meanwhile = await statusesOf(schedule.id);
    releaseAll();
    await caller.request(schedulesPause, { scheduleId: schedule.id }, adminCtx());
    await waitFor(async () => {
      const all = await statusesOf(schedule.id);
      return all.every((status) => ["succeeded", "cancelled"].includes(status)) ? all : undefined;
    }, "every run to end");

    expect(meanwhile).toEqual(["cancelled", "running"]);
  });
});
