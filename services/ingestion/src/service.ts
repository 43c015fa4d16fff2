import { eventStores } from "@tessera/eventstore";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import type { IngestionConfig } from "./config.ts";

/** The `ingestion` service (sources, raw items, documents and chunks): schema, streams and ping so far; its operations come next. */
export function ingestionService(): ServiceDefinition {
  return {
    service: "ingestion",
    stores: eventStores({ schema: "ingestion" }),
    migrations: {},
    publishes: [],
    register: async () => {},
  };
}

export function startIngestionService(config: IngestionConfig): Promise<RunningService> {
  return startService(ingestionService(), config);
}
