import { OUTBOUND_EVENTS } from "@tessera/contracts";
import { type Logger, type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { type OutboundHooks, registerOutbound } from "./app/register-outbound.ts";
import type { OutboundConfig } from "./config.ts";
import { outboundStores } from "./infra/event-store.ts";
import * as createOutbound from "./infra/migrations/2026_12_01_5001_create_outbound.ts";

export interface OutboundServiceHooks extends OutboundHooks {
  logger?: Logger;
}

/** The `outbound` service: contacts and policies, endpoints, messages through approval and delivery. */
export function outboundService(config: OutboundConfig, hooks: OutboundServiceHooks = {}): ServiceDefinition {
  return {
    service: "outbound",
    stores: outboundStores,
    migrations: { "2026_12_01_5001_create_outbound": createOutbound },
    publishes: OUTBOUND_EVENTS,
    register: (runtime) => registerOutbound(runtime, config, hooks),
  };
}

export function startOutboundService(
  config: OutboundConfig,
  hooks: OutboundServiceHooks = {},
): Promise<RunningService> {
  return startService(outboundService(config, hooks), config, hooks.logger ? { logger: hooks.logger } : {});
}
