import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createBus } from "@tessera/bus";
import {
  ConflictError,
  type MessageContext,
  type Schedule,
  schedulesCreate,
  ValidationError,
} from "@tessera/contracts";
import { createLogger } from "@tessera/service-kit";
import { TEST_NATS_URL, testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { PRUNE_SCHEDULE_NAME, registerPruneSchedule } from "../src/app/prune-schedule.ts";
import { silent } from "./harness.ts";

let nc: NatsConnection;
const logger = createLogger({ service: "memory", level: "silent" });

beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
});

afterAll(async () => {
  await nc?.close();
});

type CreateRequest = z.output<typeof schedulesCreate.request>;

/**
 * The scheduler's side of `schedules.create` on the real bus, answering with `answer`; started late,
 * as a scheduler that boots after the memory service would be.
 */
function standInScheduler(namespace: string, answer: (request: CreateRequest) => Schedule) {
  const scheduler = createBus(nc, { service: "job-scheduler", namespace, logger: silent });
  const received: { request: CreateRequest; ctx: MessageContext }[] = [];
  scheduler.serve(schedulesCreate, async (request, ctx) => {
    received.push({ request, ctx });
    return answer(request);
  });
  return { received, stop: () => scheduler.drain() };
}

function scheduleFrom(request: CreateRequest): Schedule {
  return {
    id: randomUUID(),
    name: request.name,
    cron: request.cron,
    timezone: request.timezone,
    jobType: request.jobType,
    payload: request.payload ?? {},
    overlap: request.overlap,
    catchUp: request.catchUp,
    status: "active",
    nextFireAt: null,
    createdAt: new Date().toISOString(),
  };
}

describe("registering the daily memory.prune schedule", () => {
  it("waits for a scheduler that starts later, then creates the schedule as the memory service", async () => {
    const namespace = testNamespace("prunesched");
    const bus = createBus(nc, { service: "memory", namespace, logger: silent });
    const registration = registerPruneSchedule({ bus, logger, cron: "17 3 * * *" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const scheduler = standInScheduler(namespace, scheduleFrom);

    await expect(registration.settled).resolves.toBe("created");
    expect(scheduler.received).toHaveLength(1);
    expect(scheduler.received[0]?.request).toMatchObject({
      name: PRUNE_SCHEDULE_NAME,
      jobType: "memory.prune",
      cron: "17 3 * * *",
      timezone: "UTC",
      overlap: "skip",
    });
    expect(scheduler.received[0]?.ctx.actor).toBe("system:memory");
    await scheduler.stop();
  });

  it("keeps a schedule of that name that already exists, without asking again", async () => {
    const namespace = testNamespace("prunesched");
    const scheduler = standInScheduler(namespace, () => {
      throw new ConflictError("job.schedule_exists", `A schedule named "${PRUNE_SCHEDULE_NAME}" exists.`);
    });
    const bus = createBus(nc, { service: "memory", namespace, logger: silent });
    const registration = registerPruneSchedule({ bus, logger, cron: "17 3 * * *" });

    await expect(registration.settled).resolves.toBe("exists");
    await registration.stop();
    expect(scheduler.received).toHaveLength(1);
    await scheduler.stop();
  });

  it("gives up on a cron the scheduler refuses instead of retrying forever", async () => {
    const namespace = testNamespace("prunesched");
    const scheduler = standInScheduler(namespace, () => {
      throw new ValidationError("The cron is not valid.", [{ field: "cron", message: "minute 99" }]);
    });
    const bus = createBus(nc, { service: "memory", namespace, logger: silent });
    const registration = registerPruneSchedule({ bus, logger, cron: "99 99 * * *" });

    await expect(registration.settled).resolves.toBe("refused");
    expect(scheduler.received).toHaveLength(1);
    await scheduler.stop();
  });
});
