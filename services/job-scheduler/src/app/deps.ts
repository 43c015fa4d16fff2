import type { KV } from "@nats-io/kv";
import type { EventMetadata, MessageContext } from "@tessera/contracts";
import type { EventStore } from "@tessera/eventstore";
import type { Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import type { JobPublisher } from "../infra/job-publisher.ts";
import type { JobsDb } from "../infra/tables.ts";

/** What the scheduler's handlers are built from; wired once in service.ts. */
export interface JobsDeps {
  readonly db: Kysely<JobsDb>;
  readonly store: EventStore;
  readonly publisher: JobPublisher;
  /** Announced job types (KV). */
  readonly registry: KV;
  /** Cancelled runs (KV), which workers check. */
  readonly cancelled: KV;
  readonly logger: Logger;
  readonly clock: () => Date;
}

/** What every event records about the request that caused it. */
export function eventMetadata(ctx: Partial<MessageContext>): EventMetadata {
  return {
    ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    ...(ctx.actor ? { actor: ctx.actor } : {}),
  };
}

/** The platform acting on its own behalf (schedules, built-ins). */
export const SYSTEM_CONTEXT: MessageContext = { requestId: "job-scheduler", actor: "system:job-scheduler" };
