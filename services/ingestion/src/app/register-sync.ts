import { ingestionSyncJob, type RetryPolicy } from "@tessera/contracts";
import { createEgressClient } from "@tessera/egress";
import { handleJob, startJobWorker } from "@tessera/jobs";
import type { ServiceRuntime } from "@tessera/service-kit";
import type { IngestionConfig } from "../config.ts";
import type { SyncDb } from "../infra/sync.tables.ts";
import {
  onSourceChanged,
  SOURCE_SCHEDULE_SUBJECTS,
  SOURCE_SCHEDULES_CONSUMER,
  SOURCE_SCHEDULES_DELIVERIES,
} from "./source-schedules.ts";
import type { SourcesDeps } from "./sources-deps.ts";
import { syncChatwoot } from "./sync-chatwoot.ts";
import type { SyncDeps } from "./sync-deps.ts";

/** Conversations committed per transaction (Chatwoot's own page size). */
const SYNC_BATCH_SIZE = 25;
/** Half the sync job's time-out: an attempt that waited this long still has time to work. */
const MAX_RATE_LIMIT_WAIT_MS = ingestionSyncJob.timeoutMs / 2;

export interface SyncHooks {
  /** Replaces parts of the sync job's retry policy (tests use short delays). */
  retryOverride?: Partial<RetryPolicy>;
  /** How long a stopping worker lets a running sync finish, in ms (tests stop mid-run). */
  drainTimeoutMs?: number;
  /** Conversations per committed batch. @default 25 */
  batchSize?: number;
}

/**
 * The Chatwoot connector: the `ingestion.sync` worker (which lets the scheduler accept runs of
 * it, so `POST …/sync` answers 202) and the consumer that keeps each source's schedule in step
 * with its `config.schedule`. Built on the sources area's dependencies (the same key ring and clock).
 */
export async function registerSync(
  runtime: ServiceRuntime,
  config: IngestionConfig,
  sources: SourcesDeps,
  hooks: SyncHooks = {},
): Promise<void> {
  const { bus, logger, onStop } = runtime;
  const db = runtime.db.withTables<SyncDb>();
  const deps: SyncDeps = {
    ...sources,
    db,
    egress: createEgressClient({
      allow: config.EGRESS_ALLOW_HOSTS,
      totalTimeoutMs: config.INGESTION_CHATWOOT_TIMEOUT_MS,
      connectTimeoutMs: Math.min(5_000, config.INGESTION_CHATWOOT_TIMEOUT_MS),
    }),
    sync: {
      overlapSeconds: config.INGESTION_CHATWOOT_OVERLAP_SECONDS,
      batchSize: hooks.batchSize ?? SYNC_BATCH_SIZE,
      maxRateLimitWaitMs: MAX_RATE_LIMIT_WAIT_MS,
    },
  };
  const worker = await startJobWorker({
    bus,
    logger,
    jobs: [handleJob(ingestionSyncJob, syncChatwoot(deps))],
    ...(hooks.retryOverride ? { retryOverride: hooks.retryOverride } : {}),
    ...(hooks.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: hooks.drainTimeoutMs }),
  });
  onStop("sync worker", () => worker.stop());
  const schedules = await runtime.consume({
    name: SOURCE_SCHEDULES_CONSUMER,
    stream: "ingestion",
    filterSubjects: SOURCE_SCHEDULE_SUBJECTS,
    ...SOURCE_SCHEDULES_DELIVERIES,
    handler: onSourceChanged({ db, bus, logger }),
  });
  onStop("source schedule consumer", () => schedules.stop());
}
