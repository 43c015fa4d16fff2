import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, createBus } from "@tessera/bus";
import type { MessageContext } from "@tessera/contracts";
import { type InProcessService, startInProcess, TEST_NATS_URL, type TestDatabase } from "@tessera/testing";
import { jobSchedulerConfigSchema } from "../src/config.ts";
import { startJobSchedulerService } from "../src/service.ts";

export type Scheduler = InProcessService<Awaited<ReturnType<typeof startJobSchedulerService>>>;

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

export function startScheduler(
  opts: { env?: Record<string, string>; database?: TestDatabase; namespace?: string } = {},
): Promise<Scheduler> {
  return startInProcess({
    configSchema: jobSchedulerConfigSchema,
    start: startJobSchedulerService,
    env: { ...FAST_ENV, ...opts.env },
    ...(opts.database ? { database: opts.database } : {}),
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
  });
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
