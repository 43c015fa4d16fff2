import { eventStores } from "@tessera/eventstore";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import type { OutboundConfig } from "./config.ts";

/** The `outbound` service (messages through draft, approval and send): schema, streams and ping so far; its operations come next. */
export function outboundService(): ServiceDefinition {
  return {
    service: "outbound",
    stores: eventStores({ schema: "outbound" }),
    migrations: {},
    publishes: [],
    register: async () => {},
  };
}

export function startOutboundService(config: OutboundConfig): Promise<RunningService> {
  return startService(outboundService(), config);
}
