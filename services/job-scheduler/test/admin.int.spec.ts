import { jetstreamManager } from "@nats-io/jetstream";
import { busNames } from "@tessera/bus";
import {
  jobsEnqueue,
  jobTypesList,
  RemoteError,
  runsCancel,
  runsGet,
  runsList,
  schedulesCreate,
  schedulesDelete,
  schedulesList,
  schedulesPause,
  schedulesResume,
  schedulesTrigger,
} from "@tessera/contracts";
import { jobConsumerName } from "@tessera/jobs";
import { describe, expect, it } from "vitest";
import { adminCtx, advance, useClockedScheduler, waitFor } from "./support.ts";

const fixture = useClockedScheduler();

async function refusal(work: Promise<unknown>): Promise<RemoteError> {
  const error = await work.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof RemoteError)) throw new Error(`expected a RemoteError, got ${String(error)}`);
  return error;
}

const finished = (runId: string) =>
  waitFor(async () => {
    const run = await fixture.caller.request(runsGet, { runId }, adminCtx());
    return ["succeeded", "dead", "cancelled"].includes(run.status) ? run : undefined;
  }, `run ${runId} to finish`);

describe("job runs through the admin operations", () => {
  it("runs hello_world to success and keeps it in the run history", async () => {
    const { runId } = await fixture.caller.request(
      jobsEnqueue,
      { jobType: "hello_world", payload: { name: "Ada" } },
      adminCtx(),
    );
    const run = await finished(runId);
    expect(run).toMatchObject({
      id: runId,
      jobType: "hello_world",
      status: "succeeded",
      attempts: 1,
      error: null,
    });
    expect(run.startedAt).not.toBeNull();
    expect(run.finishedAt).not.toBeNull();
  });

  it("refuses an unknown job type with 404 job.unknown_type", async () => {
    const error = await refusal(fixture.caller.request(jobsEnqueue, { jobType: "no_such_job" }, adminCtx()));
    expect(error).toMatchObject({ status: 404, code: "job.unknown_type" });
  });

  it("refuses a declared type that no running worker has announced", async () => {
    const error = await refusal(fixture.caller.request(jobsEnqueue, { jobType: "memory.prune" }, adminCtx()));
    expect(error).toMatchObject({ status: 404, code: "job.unknown_type" });
  });

  it("refuses a payload that does not match the type's schema with 400 naming the field", async () => {
    const error = await refusal(
      fixture.caller.request(jobsEnqueue, { jobType: "hello_world", payload: { fail: "yes" } }, adminCtx()),
    );
    expect(error.status).toBe(400);
    expect(error.errors?.map((e) => e.field)).toEqual(["payload.fail"]);
  });

  it("returns the first run for a repeated idempotency key", async () => {
    const first = await fixture.caller.request(
      jobsEnqueue,
      { jobType: "hello_world", idempotencyKey: "k-1" },
      adminCtx(),
    );
    const again = await fixture.caller.request(
      jobsEnqueue,
      { jobType: "hello_world", idempotencyKey: "k-1" },
      adminCtx(),
    );
    expect(again.runId).toBe(first.runId);
    await finished(first.runId);
    const { items } = await fixture.caller.request(runsList, { limit: 200 }, adminCtx());
    expect(items.filter((run) => run.id === first.runId)).toHaveLength(1);
  });

  it("lists runs filtered by type and status, page by page", async () => {
    for (let i = 0; i < 3; i++) {
      const { runId } = await fixture.caller.request(jobsEnqueue, { jobType: "hello_world" }, adminCtx());
      await finished(runId);
    }
    const firstPage = await fixture.caller.request(
      runsList,
      { type: "hello_world", status: "succeeded", limit: 2 },
      adminCtx(),
    );
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.nextCursor).not.toBeNull();
    const secondPage = await fixture.caller.request(
      runsList,
      { type: "hello_world", status: "succeeded", limit: 2, cursor: firstPage.nextCursor ?? undefined },
      adminCtx(),
    );
    const ids = [...firstPage.items, ...secondPage.items].map((run) => run.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...firstPage.items, ...secondPage.items].every((run) => run.status === "succeeded")).toBe(true);
    const none = await fixture.caller.request(
      runsList,
      { type: "cleanup_old_runs", status: "dead", limit: 10 },
      adminCtx(),
    );
    expect(none.items).toEqual([]);
  });

  /** A hello_world run due `inMs` after the scheduler's present. */
  const enqueueIn = async (inMs: number) => {
    const runAt = new Date(fixture.clock.now().getTime() + inMs);
    const { runId } = await fixture.caller.request(
      jobsEnqueue,
      { jobType: "hello_world", runAt: runAt.toISOString() },
      adminCtx(),
    );
    return { runId, runAt };
  };

  /** How many job messages the built-in worker's hello_world consumer has been handed so far. */
  const helloWorldDeliveries = async () => {
    const names = busNames(fixture.scheduler.namespace);
    const jsm = await jetstreamManager(fixture.nc);
    const info = await jsm.consumers.info(
      names.stream("JOBS"),
      names.durable("job-scheduler", jobConsumerName("hello_world")),
    );
    return info.delivered.consumer_seq;
  };

  it("cancels a run that waits for its time, and it never starts", async () => {
    const deliveredBefore = await helloWorldDeliveries();
    const { runId } = await enqueueIn(1_500);
    // Due after the cancelled one: once it has run, the cancelled one would have run too.
    const control = await enqueueIn(2_000);
    const cancelled = await fixture.caller.request(runsCancel, { runId }, adminCtx());
    expect(cancelled.status).toBe("cancelled");
    await advance(fixture.clock, 2_500, fixture.scheduler);
    expect((await finished(control.runId)).status).toBe("succeeded");
    // Only the control run reached a worker.
    expect((await helloWorldDeliveries()) - deliveredBefore).toBe(1);
    const run = await fixture.caller.request(runsGet, { runId }, adminCtx());
    expect(run).toMatchObject({ status: "cancelled", attempts: 0, startedAt: null });
    const again = await refusal(fixture.caller.request(runsCancel, { runId }, adminCtx()));
    expect(again).toMatchObject({ status: 409, code: "job.run_not_cancellable" });
  });

  it("runs a delayed run no earlier than its time", async () => {
    const delayed = await enqueueIn(1_000);
    // A run due now goes through meanwhile; the delayed one still waits for its time.
    const { runId: now } = await fixture.caller.request(jobsEnqueue, { jobType: "hello_world" }, adminCtx());
    await finished(now);
    await advance(fixture.clock, 999, fixture.scheduler);
    expect((await fixture.caller.request(runsGet, { runId: delayed.runId }, adminCtx())).status).toBe(
      "queued",
    );
    await advance(fixture.clock, 1, fixture.scheduler);
    const run = await finished(delayed.runId);
    expect(run.status).toBe("succeeded");
    expect(Date.parse(run.startedAt ?? "")).toBeGreaterThanOrEqual(delayed.runAt.getTime());
  });

  it("refuses callers without the platform admin role with 403", async () => {
    const error = await refusal(
      fixture.caller.request(
        jobsEnqueue,
        { jobType: "hello_world" },
        { requestId: "no-admin", actor: "someone" },
      ),
    );
    expect(error).toMatchObject({ status: 403 });
  });

  it("lists job types with whether a worker announced them", async () => {
    const { items } = await fixture.caller.request(jobTypesList, {}, adminCtx());
    const announced = Object.fromEntries(items.map((item) => [item.name, item.announced]));
    expect(announced).toEqual({
      hello_world: true,
      cleanup_old_runs: true,
      "memory.prune": false,
      "memory.reembed": false,
      "ingestion.sync": false,
      "outbound.deliver": false,
    });
  });
});

describe("schedules through the admin operations", () => {
  it("refuses a malformed cron, and one that can never fire (30 February), with 400 naming the cron field", async () => {
    for (const [name, cron] of [
      ["malformed", "61 * * * *"],
      ["never", "0 0 30 2 *"],
    ] as const) {
      const error = await refusal(
        fixture.caller.request(schedulesCreate, { name, cron, jobType: "hello_world" }, adminCtx()),
      );
      expect(error, cron).toMatchObject({ status: 400, code: "validation.failed" });
      expect(error.errors?.map((e) => e.field)).toEqual(["cron"]);
    }
    const { items } = await fixture.caller.request(schedulesList, { limit: 200 }, adminCtx());
    expect(items.map((s) => s.name)).not.toContain("never");
  });

  it("refuses an unknown time zone with 400 naming the timezone field", async () => {
    const error = await refusal(
      fixture.caller.request(
        schedulesCreate,
        { name: "bad-zone", cron: "0 3 * * *", timezone: "Mars/Olympus", jobType: "hello_world" },
        adminCtx(),
      ),
    );
    expect(error.errors?.map((e) => e.field)).toEqual(["timezone"]);
  });

  it("creates, lists, pauses, resumes, triggers and deletes a schedule", async () => {
    const created = await fixture.caller.request(
      schedulesCreate,
      { name: "nightly greeting", cron: "0 30 2 * * *", timezone: "Europe/Berlin", jobType: "hello_world" },
      adminCtx(),
    );
    expect(created).toMatchObject({ status: "active", overlap: "skip", catchUp: { policy: "none" } });
    expect(new Date(created.nextFireAt ?? "").getUTCMinutes()).toBe(30);

    const { items } = await fixture.caller.request(schedulesList, { limit: 50 }, adminCtx());
    expect(items.map((s) => s.name)).toEqual(
      expect.arrayContaining(["cleanup_old_runs", "nightly greeting"]),
    );

    const duplicate = await refusal(
      fixture.caller.request(
        schedulesCreate,
        { name: "Nightly Greeting", cron: "* * * * *", jobType: "hello_world" },
        adminCtx(),
      ),
    );
    expect(duplicate.status).toBe(409);

    expect(
      (await fixture.caller.request(schedulesPause, { scheduleId: created.id }, adminCtx())).status,
    ).toBe("paused");
    expect(
      (await fixture.caller.request(schedulesResume, { scheduleId: created.id }, adminCtx())).status,
    ).toBe("active");

    const { runId } = await fixture.caller.request(schedulesTrigger, { scheduleId: created.id }, adminCtx());
    const run = await finished(runId);
    expect(run).toMatchObject({ status: "succeeded", scheduleId: created.id, occurrence: null });

    await fixture.caller.request(schedulesDelete, { scheduleId: created.id }, adminCtx());
    const after = await fixture.caller.request(schedulesList, { limit: 50 }, adminCtx());
    expect(after.items.map((s) => s.id)).not.toContain(created.id);
    const gone = await refusal(
      fixture.caller.request(schedulesPause, { scheduleId: created.id }, adminCtx()),
    );
    expect(gone).toMatchObject({ status: 404, code: "job.schedule_not_found" });
  });
});
