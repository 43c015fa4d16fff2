import type { KV } from "@nats-io/kv";
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
