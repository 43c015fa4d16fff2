import { z } from "zod";
import { defineEvent, type ServiceName } from "./messaging.ts";

/**
 * Job type names: lower-case words joined by `_`, optionally dotted (`memory.prune`). The work
 * subject is `job.<owning service>.<name>`.
 */
export const JobTypeNameSchema = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, "must be lower-case words joined by '_' or '.'");

export interface RetryPolicy {
  /** Attempts in all, the first included; after the last failure the run is dead. */
  readonly maxAttempts: number;
  /** Delay before the 2nd attempt, in ms; each later delay is `factor` times the one before. */
  readonly initialDelayMs: number;
  readonly factor: number;
  /** Upper bound of one delay, in ms. */
  readonly maxDelayMs: number;
  /** Share of each delay that is random (0: none, 1: anywhere between 0 and the delay). */
  readonly jitter: number;
}

export const RetryPolicySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(100),
  initialDelayMs: z.number().int().min(0).max(86_400_000),
  factor: z.number().min(1).max(10),
  maxDelayMs: z.number().int().min(0).max(86_400_000),
  jitter: z.number().min(0).max(1),
});

export interface JobTypeDefinition<Payload extends z.ZodType = z.ZodType> {
  readonly name: string;
  /** The service whose workers run it. */
  readonly service: ServiceName;
  /** `job.<service>.<name>` */
  readonly subject: string;
  readonly payload: Payload;
  /** One attempt's time-out, in ms; the worker aborts the attempt's signal and fails it. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** Attempts one replica runs at once. */
  readonly concurrency: number;
  readonly description: string;
}

/** The defaults where a job type says nothing: 5 attempts, 1 s → 2 s → 4 s … capped at 5 minutes, ±50 %. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  initialDelayMs: 1_000,
  factor: 2,
  maxDelayMs: 300_000,
  jitter: 0.5,
});

export function defineJobType<Payload extends z.ZodType>(definition: {
  name: string;
  service: ServiceName;
  payload: Payload;
  description: string;
  /** @default 60_000 */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** @default 1 */
  concurrency?: number;
}): JobTypeDefinition<Payload> {
  const name = JobTypeNameSchema.parse(definition.name);
  return Object.freeze({
    ...definition,
    name,
    subject: `job.${definition.service}.${name}`,
    timeoutMs: definition.timeoutMs ?? 60_000,
    retry: Object.freeze(RetryPolicySchema.parse({ ...DEFAULT_RETRY_POLICY, ...definition.retry })),
    concurrency: definition.concurrency ?? 1,
  });
}

/** Built-in: logs and succeeds; `{ fail: true }` makes every attempt fail, to exercise retries. */
export const helloWorldJob = defineJobType({
  name: "hello_world",
  service: "job-scheduler",
  description: "Logs a greeting and succeeds; with `fail: true` it fails, to exercise retries.",
  payload: z.strictObject({ name: z.string().max(200).optional(), fail: z.boolean().optional() }),
  timeoutMs: 10_000,
  retry: { maxAttempts: 3, initialDelayMs: 1_000, factor: 2, maxDelayMs: 10_000, jitter: 0.2 },
  concurrency: 4,
});

/** Built-in: deletes finished runs older than the retention from the run history. */
export const cleanupOldRunsJob = defineJobType({
  name: "cleanup_old_runs",
  service: "job-scheduler",
  description: "Deletes finished runs older than the retention (days) from the run history.",
  payload: z.strictObject({ olderThanDays: z.number().int().min(1).max(3650).optional() }),
  timeoutMs: 300_000,
  retry: { maxAttempts: 3 },
});

/** Hook: the memory service prunes memories past their tier's lifetime. */
export const memoryPruneJob = defineJobType({
  name: "memory.prune",
  service: "memory",
  description: "Prunes memories past their tier's lifetime, per project or everywhere.",
  payload: z.strictObject({ projectId: z.uuid().optional(), dryRun: z.boolean().optional() }),
  timeoutMs: 600_000,
  retry: { maxAttempts: 3 },
});

/** Hook: the memory service queues memories for embedding again after the model or dimension changed. */
export const memoryReembedJob = defineJobType({
  name: "memory.reembed",
  service: "memory",
  description: "Queues memories without a vector from the configured model (or all) for the embed worker.",
  payload: z.strictObject({ projectId: z.uuid().optional(), all: z.boolean().optional() }),
  timeoutMs: 600_000,
  retry: { maxAttempts: 3 },
});

/** Hook: the ingestion service pulls a connector source. */
export const ingestionSyncJob = defineJobType({
  name: "ingestion.sync",
  service: "ingestion",
  description: "Pulls new items from one connector source.",
  payload: z.strictObject({ projectId: z.uuid(), sourceId: z.uuid() }),
  timeoutMs: 600_000,
  retry: { maxAttempts: 5 },
});

/** Every job type the platform knows; a type must also be announced by a running worker to be accepted. */
export const JOB_TYPES: readonly JobTypeDefinition[] = [
  helloWorldJob,
  cleanupOldRunsJob,
  memoryPruneJob,
  memoryReembedJob,
  ingestionSyncJob,
];

/** What a worker announces in KV `JOB_TYPES_KV.bucket` under the type's name when it starts. */
export const JobTypeAnnouncementSchema = z.object({
  name: JobTypeNameSchema,
  service: z.string(),
  subject: z.string(),
  timeoutMs: z.number().int().positive(),
  retry: RetryPolicySchema,
  concurrency: z.number().int().positive(),
  announcedAt: z.iso.datetime(),
});
export type JobTypeAnnouncement = z.infer<typeof JobTypeAnnouncementSchema>;

/** Announced job types (key: type name) and cancelled runs (key: run id), shared through NATS KV. */
export const JOB_TYPES_KV = { bucket: "job-types" } as const;
export const CANCELLED_RUNS_KV = { bucket: "job-runs-cancelled" } as const;

/** What travels on `job.<service>.<type>`; `Nats-Msg-Id` is `<runId>:<generation>`. */
export const JobMessageSchema = z.object({
  runId: z.uuid(),
  jobType: JobTypeNameSchema,
  /** 1 for the first queueing, +1 for every replay. */
  generation: z.number().int().positive(),
  payload: z.unknown(),
  queuedAt: z.iso.datetime(),
});
export type JobMessage = z.infer<typeof JobMessageSchema>;

export const RUN_REPORT_OUTCOMES = ["started", "succeeded", "failed", "dead"] as const;

/** Workers report each attempt's progress here (in `JOBS`), and the scheduler records it on the run. */
export const JOB_RUN_REPORTS_SUBJECT = "job.job-scheduler.run-reports";
export const JobRunReportSchema = z.object({
  runId: z.uuid(),
  jobType: JobTypeNameSchema,
  generation: z.number().int().positive(),
  attempt: z.number().int().positive(),
  outcome: z.enum(RUN_REPORT_OUTCOMES),
  at: z.iso.datetime(),
  /** `failed`/`dead`: why, one line. */
  error: z.string().max(1_000).optional(),
  /** `succeeded`/`failed`/`dead`: when the attempt started (its `started` report may arrive later). */
  startedAt: z.iso.datetime().optional(),
  /** `failed`: when the next attempt is due. */
  retryInMs: z.number().int().min(0).optional(),
});
export type JobRunReport = z.infer<typeof JobRunReportSchema>;

const runEventData = {
  runId: z.uuid(),
  jobType: z.string(),
  generation: z.number().int().positive(),
};

export const runQueued = defineEvent({
  type: "job-scheduler.run.queued",
  version: 1,
  data: z.object({
    ...runEventData,
    payload: z.unknown(),
    runAt: z.iso.datetime(),
    scheduleId: z.uuid().nullable(),
    occurrence: z.iso.datetime().nullable(),
    queuedAt: z.iso.datetime(),
  }),
});
export const runStarted = defineEvent({
  type: "job-scheduler.run.started",
  version: 1,
  data: z.object({ ...runEventData, attempt: z.number().int().positive(), startedAt: z.iso.datetime() }),
});
export const runSucceeded = defineEvent({
  type: "job-scheduler.run.succeeded",
  version: 1,
  data: z.object({ ...runEventData, attempt: z.number().int().positive(), finishedAt: z.iso.datetime() }),
});
export const runFailed = defineEvent({
  type: "job-scheduler.run.failed",
  version: 1,
  data: z.object({
    ...runEventData,
    attempt: z.number().int().positive(),
    error: z.string(),
    retryAt: z.iso.datetime(),
    failedAt: z.iso.datetime(),
  }),
});
export const runDead = defineEvent({
  type: "job-scheduler.run.dead",
  version: 1,
  data: z.object({
    ...runEventData,
    attempt: z.number().int().positive(),
    error: z.string(),
    diedAt: z.iso.datetime(),
  }),
});
export const runCancelled = defineEvent({
  type: "job-scheduler.run.cancelled",
  version: 1,
  data: z.object({ ...runEventData, cancelledAt: z.iso.datetime() }),
});

export const JOB_RUN_EVENTS = [
  runQueued,
  runStarted,
  runSucceeded,
  runFailed,
  runDead,
  runCancelled,
] as const;

export * from "./jobs-admin.ts";
