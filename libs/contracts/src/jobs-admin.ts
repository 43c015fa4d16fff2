import { z } from "zod";
import { defineEvent, defineOperation } from "./messaging.ts";
import { defineRoute, type RouteDefinition } from "./routes.ts";

/** The job scheduler's admin surface: schedules, operations and routes (platform admins only). */

const JobTypeParam = z.string().min(1).max(64);

export const RUN_STATUSES = ["queued", "running", "failed", "succeeded", "dead", "cancelled"] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

export const RunSchema = z.object({
  id: z.uuid(),
  jobType: z.string(),
  status: RunStatusSchema,
  attempts: z.number().int().min(0),
  payload: z.unknown(),
  scheduleId: z.uuid().nullable(),
  occurrence: z.iso.datetime().nullable(),
  queuedAt: z.iso.datetime(),
  runAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  error: z.string().nullable(),
});
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

export const ScheduleSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  cron: z.string(),
  timezone: z.string(),
  jobType: z.string(),
  payload: z.unknown(),
  overlap: OverlapPolicySchema,
  catchUp: CatchUpSchema,
  status: ScheduleStatusSchema,
  nextFireAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
});
export type Schedule = z.infer<typeof ScheduleSchema>;

export const CreateScheduleSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/),
  /** 5 fields (minute precision) or 6 (a leading seconds field). */
  cron: z.string().trim().min(1).max(200),
  /** IANA time zone. @default "UTC" */
  timezone: z.string().min(1).max(64).default("UTC"),
  jobType: JobTypeParam,
  payload: z.record(z.string(), z.unknown()).optional(),
  /** @default "skip" */
  overlap: OverlapPolicySchema.default("skip"),
  /** @default { policy: "none" } */
  catchUp: CatchUpSchema.default({ policy: "none", windowSeconds: 3_600 }),
});

const scheduleEventBase = { scheduleId: z.uuid() };
export const scheduleCreated = defineEvent({
  type: "job-scheduler.schedule.created",
  version: 1,
  data: z.object({
    ...scheduleEventBase,
    name: z.string(),
    cron: z.string(),
    timezone: z.string(),
    jobType: z.string(),
    payload: z.unknown(),
    overlap: OverlapPolicySchema,
    catchUp: CatchUpSchema,
    createdAt: z.iso.datetime(),
  }),
});
export const schedulePaused = defineEvent({
  type: "job-scheduler.schedule.paused",
  version: 1,
  data: z.object({ ...scheduleEventBase, pausedAt: z.iso.datetime() }),
});
export const scheduleResumed = defineEvent({
  type: "job-scheduler.schedule.resumed",
  version: 1,
  data: z.object({ ...scheduleEventBase, resumedAt: z.iso.datetime() }),
});
export const scheduleTriggered = defineEvent({
  type: "job-scheduler.schedule.triggered",
  version: 1,
  data: z.object({ ...scheduleEventBase, runId: z.uuid(), triggeredAt: z.iso.datetime() }),
});
export const scheduleDeleted = defineEvent({
  type: "job-scheduler.schedule.deleted",
  version: 1,
  data: z.object({ ...scheduleEventBase, deletedAt: z.iso.datetime() }),
});

export const JOB_SCHEDULE_EVENTS = [
  scheduleCreated,
  schedulePaused,
  scheduleResumed,
  scheduleTriggered,
  scheduleDeleted,
] as const;

const page = {
  /** @default 50 */
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
};
const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const EnqueueJobBodySchema = z.strictObject({
  payload: z.record(z.string(), z.unknown()).optional(),
  /** Not before this time (RFC 3339). @default now */
  runAt: z.iso.datetime({ offset: true }).optional(),
  /** A repeat with the same key for the same job type returns the first run (Trigger.dev-style). */
  idempotencyKey: z.string().min(1).max(200).optional(),
});

export const jobsEnqueue = defineOperation({
  service: "job-scheduler",
  name: "jobs.enqueue",
  request: EnqueueJobBodySchema.extend({ jobType: JobTypeParam }),
  response: z.object({ runId: z.uuid() }),
});

export const jobTypesList = defineOperation({
  service: "job-scheduler",
  name: "job-types.list",
  request: z.strictObject({}),
  response: z.object({
    items: z.array(
      z.object({
        name: z.string(),
        service: z.string(),
        description: z.string(),
        timeoutMs: z.number(),
        maxAttempts: z.number(),
        concurrency: z.number(),
        announced: z.boolean(),
      }),
    ),
  }),
});

export const RunIdParamsSchema = z.strictObject({ runId: z.uuid() });
export const runsGet = defineOperation({
  service: "job-scheduler",
  name: "runs.get",
  request: RunIdParamsSchema,
  response: RunSchema,
});

export const ListRunsQuerySchema = z.strictObject({
  type: JobTypeParam.optional(),
  status: RunStatusSchema.optional(),
  ...page,
});
export const runsList = defineOperation({
  service: "job-scheduler",
  name: "runs.list",
  request: ListRunsQuerySchema,
  response: pageOf(RunSchema),
});
export const runsCancel = defineOperation({
  service: "job-scheduler",
  name: "runs.cancel",
  request: RunIdParamsSchema,
  response: RunSchema,
});
export const runsReplay = defineOperation({
  service: "job-scheduler",
  name: "runs.replay",
  request: RunIdParamsSchema,
  response: RunSchema,
});

export const schedulesCreate = defineOperation({
  service: "job-scheduler",
  name: "schedules.create",
  request: CreateScheduleSchema,
  response: ScheduleSchema,
});
export const ListSchedulesQuerySchema = z.strictObject({ ...page });
export const schedulesList = defineOperation({
  service: "job-scheduler",
  name: "schedules.list",
  request: ListSchedulesQuerySchema,
  response: pageOf(ScheduleSchema),
});
export const ScheduleIdParamsSchema = z.strictObject({ scheduleId: z.uuid() });
export const schedulesGet = defineOperation({
  service: "job-scheduler",
  name: "schedules.get",
  request: ScheduleIdParamsSchema,
  response: ScheduleSchema,
});
export const schedulesPause = defineOperation({
  service: "job-scheduler",
  name: "schedules.pause",
  request: ScheduleIdParamsSchema,
  response: ScheduleSchema,
});
export const schedulesResume = defineOperation({
  service: "job-scheduler",
  name: "schedules.resume",
  request: ScheduleIdParamsSchema,
  response: ScheduleSchema,
});
export const schedulesTrigger = defineOperation({
  service: "job-scheduler",
  name: "schedules.trigger",
  request: ScheduleIdParamsSchema,
  response: z.object({ scheduleId: z.uuid(), runId: z.uuid() }),
});
export const schedulesDelete = defineOperation({
  service: "job-scheduler",
  name: "schedules.delete",
  request: ScheduleIdParamsSchema,
  response: z.object({}),
});

const admin = { auth: "platform-admin", rateClass: "write" } as const;
const adminRead = { auth: "platform-admin", rateClass: "read" } as const;

export const jobRoutes: readonly RouteDefinition[] = [
  defineRoute({
    ...adminRead,
    method: "GET",
    path: "/v1/admin/jobs/types",
    summary: "Job types and whether a worker has announced them",
    operation: jobTypesList,
    successStatus: 200,
    response: jobTypesList.response,
  }),
  defineRoute({
    ...admin,
    method: "POST",
    path: "/v1/admin/jobs/{jobType}",
    summary: "Queue a run of a job type",
    operation: jobsEnqueue,
    idempotent: true,
    successStatus: 202,
    request: { params: z.strictObject({ jobType: JobTypeParam }), body: EnqueueJobBodySchema },
    response: jobsEnqueue.response,
  }),
  defineRoute({
    ...adminRead,
    method: "GET",
    path: "/v1/admin/jobs/runs",
    summary: "Runs, newest first, filtered by job type and status",
    operation: runsList,
    successStatus: 200,
    request: { query: ListRunsQuerySchema },
    response: runsList.response,
  }),
  defineRoute({
    ...adminRead,
    method: "GET",
    path: "/v1/admin/jobs/runs/{runId}",
    summary: "One run with its attempts",
    operation: runsGet,
    successStatus: 200,
    request: { params: RunIdParamsSchema },
    response: RunSchema,
  }),
  defineRoute({
    ...admin,
    method: "POST",
    path: "/v1/admin/jobs/runs/{runId}/cancel",
    summary: "Cancel a run that has not finished",
    operation: runsCancel,
    successStatus: 200,
    request: { params: RunIdParamsSchema },
    response: RunSchema,
  }),
  defineRoute({
    ...admin,
    method: "POST",
    path: "/v1/admin/jobs/runs/{runId}/replay",
    summary: "Queue a dead run again",
    operation: runsReplay,
    successStatus: 200,
    request: { params: RunIdParamsSchema },
    response: RunSchema,
  }),
  defineRoute({
    ...adminRead,
    method: "GET",
    path: "/v1/admin/schedules",
    summary: "Schedules",
    operation: schedulesList,
    successStatus: 200,
    request: { query: ListSchedulesQuerySchema },
    response: schedulesList.response,
  }),
  defineRoute({
    ...admin,
    method: "POST",
    path: "/v1/admin/schedules",
    summary: "Create a cron schedule",
    operation: schedulesCreate,
    successStatus: 201,
    request: { body: CreateScheduleSchema },
    response: ScheduleSchema,
  }),
  defineRoute({
    ...adminRead,
    method: "GET",
    path: "/v1/admin/schedules/{scheduleId}",
    summary: "One schedule",
    operation: schedulesGet,
    successStatus: 200,
    request: { params: ScheduleIdParamsSchema },
    response: ScheduleSchema,
  }),
  ...(["pause", "resume"] as const).map((action) =>
    defineRoute({
      ...admin,
      method: "POST",
      path: `/v1/admin/schedules/{scheduleId}/${action}`,
      summary: `${action === "pause" ? "Pause" : "Resume"} a schedule`,
      operation: action === "pause" ? schedulesPause : schedulesResume,
      successStatus: 200,
      request: { params: ScheduleIdParamsSchema },
      response: ScheduleSchema,
    }),
  ),
  defineRoute({
    ...admin,
    method: "POST",
    path: "/v1/admin/schedules/{scheduleId}/trigger",
    summary: "Run a schedule's job now",
    operation: schedulesTrigger,
    successStatus: 200,
    request: { params: ScheduleIdParamsSchema },
    response: schedulesTrigger.response,
  }),
  defineRoute({
    ...admin,
    method: "DELETE",
    path: "/v1/admin/schedules/{scheduleId}",
    summary: "Delete a schedule",
    operation: schedulesDelete,
    successStatus: 204,
    request: { params: ScheduleIdParamsSchema },
    response: null,
  }),
];
