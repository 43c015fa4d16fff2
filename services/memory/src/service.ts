import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import type { MemoryConfig } from "./config.ts";
import * as enableVector from "./infra/migrations/2026_11_21_0001_enable_vector.ts";

/** The `memory` service: its own schema with pgvector enabled. Memories, search and pruning come next. */
export function memoryService(): ServiceDefinition {
  return {
    service: "memory",
    schema: "memory",
    migrations: { "2026_11_21_0001_enable_vector": enableVector },
    publishes: [],
    register: async () => {},
  };
}

export function startMemoryService(config: MemoryConfig): Promise<RunningService> {
  return startService(memoryService(), config);
}
