import type { RetryPolicy } from "@tessera/contracts";
import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";

const ms = (max: number) => z.coerce.number().int().min(1).max(max);

export const jobSchedulerConfigSchema = baseServiceConfig.extend({
  /** Days a finished run stays in the run history before `cleanup_old_runs` deletes it. @default 30 */
  JOB_RUN_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** When the built-in clean-up runs (cron, UTC). @default "0 3 * * *" */
  JOB_CLEANUP_CRON: z.string().min(9).max(100).default("0 3 * * *"),
  /** How often the leader looks at schedules and delayed runs, in ms. @default 1_000 */
  SCHEDULER_TICK_MS: ms(60_000).default(1_000),
  /** An occurrence later than this is missed and follows the catch-up policy, in ms. @default 30_000 */
  SCHEDULER_MISFIRE_GRACE_MS: ms(3_600_000).default(30_000),
  /** Queued runs younger than this are left to the replica that queued them, in ms. @default 2_000 */
  SCHEDULER_DISPATCH_GRACE_MS: ms(60_000).default(2_000),
  /** Reports recorded at once per replica. @default 16 */
  JOB_REPORT_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** Ack wait of job consumers (heartbeats every third of it), in ms. @default 30_000 */
  JOB_ACK_WAIT_MS: ms(3_600_000).min(1_000).default(30_000),
  /** How long a stopping worker lets running jobs finish before handing them back, in ms. @default 10_000 */
  JOB_DRAIN_TIMEOUT_MS: ms(600_000).default(10_000),
  /** Tests and operations: replace the built-in job types' retry delays. */
  JOB_RETRY_INITIAL_DELAY_MS: z.coerce.number().int().min(0).max(86_400_000).optional(),
  JOB_RETRY_FACTOR: z.coerce.number().min(1).max(10).optional(),
  JOB_RETRY_JITTER: z.coerce.number().min(0).max(1).optional(),
});

export type JobSchedulerConfig = DeepReadonly<z.output<typeof jobSchedulerConfigSchema>>;

/** What the service derives from its configuration, computed once. */
export interface SchedulerSettings {
  /** The built-in job types' retry policy, where the operator replaced parts of it. */
  readonly retryOverride: Partial<RetryPolicy>;
  /**
   * The leader lock session's server-side idle time-out, in ms: the session queries once per tick,
   * so five missed ticks mean the leader is cut off; never under 30 s.
   */
  readonly leaderIdleSessionTimeoutMs: number;
}

export function schedulerSettings(config: JobSchedulerConfig): SchedulerSettings {
  const {
    JOB_RETRY_INITIAL_DELAY_MS: initialDelayMs,
    JOB_RETRY_FACTOR: factor,
    JOB_RETRY_JITTER: jitter,
  } = config;
  return {
    retryOverride: {
      ...(initialDelayMs === undefined ? {} : { initialDelayMs }),
      ...(factor === undefined ? {} : { factor }),
      ...(jitter === undefined ? {} : { jitter }),
    },
    leaderIdleSessionTimeoutMs: Math.max(30_000, 5 * config.SCHEDULER_TICK_MS),
  };
}
