import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, createBus } from "@tessera/bus";
import type { MessageContext } from "@tessera/contracts";
import { type InProcessService, startInProcess, TEST_NATS_URL, type TestDatabase } from "@tessera/testing";
import { afterAll, beforeAll } from "vitest";
import type { LeaderLoop } from "../src/app/leader.ts";
import { jobSchedulerConfigSchema } from "../src/config.ts";
import { type JobSchedulerHooks, startJobSchedulerService } from "../src/service.ts";

export interface Scheduler extends InProcessService<Awaited<ReturnType<typeof startJobSchedulerService>>> {
  readonly leader: LeaderLoop;
}

/** A clock that moves only when the test moves it. */
export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

/** Starts half a second past a whole second, so per-second occurrences and ticks never coincide. */
export function testClock(start = "2030-01-01T00:00:00.500Z"): TestClock {
  let now = Date.parse(start);
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
  };
}

/** Waits until every replica has ticked once from now on, so the leader among them saw the clock as it is. */
export async function ticked(...schedulers: Scheduler[]): Promise<void> {
  await Promise.all(schedulers.map((scheduler) => scheduler.leader.waitForTick()));
}

/** Moves the clock on, then waits for a tick of every replica at the new time. */
export async function advance(clock: TestClock, ms: number, ...schedulers: Scheduler[]): Promise<void> {
  clock.advance(ms);
  await ticked(...schedulers);
}

export const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** Short delays so retries, ticks and redeliveries fit in a test. */
export const FAST_ENV: Record<string, string> = {
  SCHEDULER_TICK_MS: "200",
  SCHEDULER_MISFIRE_GRACE_MS: "1500",
  SCHEDULER_DISPATCH_GRACE_MS: "500",
  JOB_ACK_WAIT_MS: "2000",
  JOB_DRAIN_TIMEOUT_MS: "2000",
  JOB_RETRY_INITIAL_DELAY_MS: "300",
  JOB_RETRY_FACTOR: "3",
  JOB_RETRY_JITTER: "0",
};

/** One scheduler in the test process; with `clock`, everything in it reads that clock instead of the wall's. */
export async function startScheduler(
  opts: { env?: Record<string, string>; database?: TestDatabase; namespace?: string; clock?: TestClock } = {},
): Promise<Scheduler> {
  const hooks: JobSchedulerHooks = opts.clock ? { clock: opts.clock.now } : {};
  const service = await startInProcess({
    configSchema: jobSchedulerConfigSchema,
    start: (config) => startJobSchedulerService(config, hooks),
    env: { ...FAST_ENV, ...opts.env },
    ...(opts.database ? { database: opts.database } : {}),
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
  });
  const { leader } = hooks;
  if (leader === undefined) throw new Error("the scheduler started without a leader loop");
  return { ...service, leader };
}

export interface ClockedScheduler {
  readonly clock: TestClock;
  readonly scheduler: Scheduler;
  readonly nc: NatsConnection;
  /** A caller on the scheduler's namespace, as the gateway would be. */
  readonly caller: Bus;
}

/**
 * A scheduler on a test clock for the whole file: started before its tests (with a caller), stopped
 * after them. Read it only inside hooks and tests.
 */
export function useClockedScheduler(): ClockedScheduler {
  const clock = testClock();
  let started: { scheduler: Scheduler; nc: NatsConnection; caller: Bus } | undefined;
  beforeAll(async () => {
    const scheduler = await startScheduler({ clock });
    const { nc, bus } = await connectCaller(scheduler.namespace);
    started = { scheduler, nc, caller: bus };
  });
  afterAll(async () => {
    await started?.nc.close();
    await started?.scheduler.stop();
  });
  const running = () => {
    if (started === undefined) throw new Error("the scheduler is read before it started");
    return started;
  };
  return {
    clock,
    get scheduler() {
      return running().scheduler;
    },
    get nc() {
      return running().nc;
    },
    get caller() {
      return running().caller;
    },
  };
}

/** A caller on the scheduler's namespace, as the gateway would be. */
export async function connectCaller(namespace: string): Promise<{ nc: NatsConnection; bus: Bus }> {
  const nc = await connect({ servers: TEST_NATS_URL });
  return { nc, bus: createBus(nc, { service: "api-gateway", namespace, logger: silent }) };
}

let counter = 0;
export function adminCtx(): MessageContext {
  return {
    requestId: `jobs-int-${++counter}`,
    actor: "00000000-0000-4000-8000-000000000001",
    roles: ["admin"],
  };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
