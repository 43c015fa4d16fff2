import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, createBus } from "@tessera/bus";
import { type InProcessService, startInProcess, TEST_NATS_URL, testNamespace } from "@tessera/testing";
import { memoryConfigSchema } from "../src/config.ts";
import { type MemoryServiceHooks, startMemoryService } from "../src/service.ts";

export const silent = { info() {}, warn() {}, error() {}, debug() {} };

export interface MemoryHarness {
  service: InProcessService<Awaited<ReturnType<typeof startMemoryService>>>;
  hooks: MemoryServiceHooks;
  nc: NatsConnection;
  /** The gateway's side of the bus. */
  caller: Bus;
  stop(): Promise<void>;
}

/** The memory service in-process, with the `ingestion` and `user` streams it consumes provisioned first. */
export async function startMemoryHarness(env: Record<string, string> = {}): Promise<MemoryHarness> {
  const nc = await connect({ servers: TEST_NATS_URL });
  const namespace = testNamespace("memory");
  await createBus(nc, { service: "ingestion", namespace, logger: silent }).provision();
  await createBus(nc, { service: "user", namespace, logger: silent }).provision();
  const hooks: MemoryServiceHooks = {};
  const service = await startInProcess({
    configSchema: memoryConfigSchema,
    start: (config) => startMemoryService(config, hooks),
    namespace,
    env,
  });
  const caller = createBus(nc, { service: "api-gateway", namespace, logger: silent });
  return {
    service,
    hooks,
    nc,
    caller,
    async stop() {
      await service.stop();
      await nc.close();
    },
  };
}

export async function eventually<T>(read: () => Promise<T | undefined>, tries = 200): Promise<T> {
  for (let attempt = 0; attempt < tries; attempt++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not met in time");
}
