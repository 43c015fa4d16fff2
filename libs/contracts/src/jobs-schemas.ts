import { z } from "zod";
import type { ServiceName } from "./messaging.ts";
import { PageQuerySchema, pageSchema } from "./pagination.ts";
import { jsonObject, text, timestamp } from "./scalars.ts";

/** Job types, runs and schedules: what workers, the scheduler and its admin API share. */

/**
 * Job type names: lower-case words joined by `_`, optionally dotted (`memory.prune`). The work
 * subject is `job.<owning service>.<name>`.
 */
export const JobTypeNameSchema = text()
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

export const RetryPolicySchema = z
  .strictObject({
    maxAttempts: z.number().int().min(1).max(100),
    initialDelayMs: z.number().int().min(0).max(86_400_000),
    factor: z.number().min(1).max(10),
    maxDelayMs: z.number().int().min(0).max(86_400_000),
    jitter: z.number().min(0).max(1),
  })
  .meta({ id: "RetryPolicy" });

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

/** What a worker announces in KV `JOB_TYPES_KV.bucket` under the type's name when it starts. */
export const JobTypeAnnouncementSchema = z.object({
  name: JobTypeNameSchema,
  service: text(),
  subject: text(),
  timeoutMs: z.number().int().positive(),
  retry: RetryPolicySchema,
  concurrency: z.number().int().positive(),
  announcedAt: timestamp(),
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
  queuedAt: timestamp(),
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
  at: timestamp(),
  /** `failed`/`dead`: why, one line. */
  error: text().max(1_000).optional(),
  /** `succeeded`/`failed`/`dead`: when the attempt started (its `started` report may arrive later). */
  startedAt: timestamp().optional(),
  /** `failed`: when the next attempt is due. */
  retryInMs: z.number().int().min(0).optional(),
});
export type JobRunReport = z.infer<typeof JobRunReportSchema>;

// ---------------------------------------------------------------- runs and schedules (admin API)

export const JobTypeParam = text().min(1).max(64);

export const RUN_STATUSES = ["queued", "running", "failed", "succeeded", "dead", "cancelled"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES).meta({ id: "RunStatus" });
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunSchema = z
  .object({
    id: z.uuid(),
    jobType: text(),
    status: RunStatusSchema,
    attempts: z.number().int().min(0),
    payload: z.unknown(),
    scheduleId: z.uuid().nullable(),
    occurrence: timestamp().nullable(),
    queuedAt: timestamp(),
    runAt: timestamp(),
    startedAt: timestamp().nullable(),
    finishedAt: timestamp().nullable(),
    error: text().nullable(),
  })
  .meta({ id: "Run" });
export type Run = z.infer<typeof RunSchema>;

export const OVERLAP_POLICIES = ["skip", "buffer_one", "allow_all"] as const;
export const OverlapPolicySchema = z.enum(OVERLAP_POLICIES);
export type OverlapPolicy = z.infer<typeof OverlapPolicySchema>;

export const CATCH_UP_POLICIES = ["none", "latest", "all"] as const;
export const CatchUpSchema = z.strictObject({
  /** none: skip missed occurrences; latest: run the last one missed; all: run each one missed within the window. */
  policy: z.enum(CATCH_UP_POLICIES),
  /** How far back `all` looks, in seconds. @default 3600 */
  windowSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(3_600),
});
export type CatchUp = z.infer<typeof CatchUpSchema>;

export const ScheduleStatusSchema = z.enum(["active", "paused"]);

export const ScheduleSchema = z
  .object({
    id: z.uuid(),
    name: text(),
    cron: text(),
    timezone: text(),
    jobType: text(),
    payload: z.unknown(),
    overlap: OverlapPolicySchema,
    catchUp: CatchUpSchema,
    status: ScheduleStatusSchema,
    nextFireAt: timestamp().nullable(),
    createdAt: timestamp(),
  })
  .meta({ id: "Schedule" });
export type Schedule = z.infer<typeof ScheduleSchema>;

export const CreateScheduleSchema = z
  .strictObject({
    name: text()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/),
    /** 5 fields (minute precision) or 6 (a leading seconds field). */
    cron: text().trim().min(1).max(200),
    /** IANA time zone. @default "UTC" */
    timezone: text().min(1).max(64).default("UTC"),
    jobType: JobTypeParam,
    payload: jsonObject().optional(),
    /** @default "skip" */
    overlap: OverlapPolicySchema.default("skip"),
    /** @default { policy: "none" } */
    catchUp: CatchUpSchema.default({ policy: "none", windowSeconds: 3_600 }),
  })
  .meta({ id: "CreateSchedule" });

export const EnqueueJobBodySchema = z.strictObject({
  payload: jsonObject().optional(),
  /** Not before this time (RFC 3339). @default now */
  runAt: timestamp().optional(),
  /** A repeat with the same key for the same job type returns the first run (Trigger.dev-style). */
  idempotencyKey: text().min(1).max(200).optional(),
});

export const JobTypeParamsSchema = z.strictObject({ jobType: JobTypeParam });

export const QueuedRunSchema = z.object({ runId: z.uuid() });

export const JobTypeSummarySchema = z
  .object({
    name: text(),
    service: text(),
    description: text(),
    timeoutMs: z.number(),
    maxAttempts: z.number(),
    concurrency: z.number(),
    announced: z.boolean(),
  })
  .meta({ id: "JobTypeSummary" });
export const JobTypeListSchema = z.object({ items: z.array(JobTypeSummarySchema) });

export const RunPageSchema = pageSchema(RunSchema);
export const SchedulePageSchema = pageSchema(ScheduleSchema);
export const TriggeredRunSchema = z.object({ scheduleId: z.uuid(), runId: z.uuid() });

export const RunIdParamsSchema = z.strictObject({ runId: z.uuid() });

export const ListRunsQuerySchema = PageQuerySchema.extend({
  type: JobTypeParam.optional(),
  status: RunStatusSchema.optional(),
});

export const ListSchedulesQuerySchema = PageQuerySchema;

export const ScheduleIdParamsSchema = z.strictObject({ scheduleId: z.uuid() });
