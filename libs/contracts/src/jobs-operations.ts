import { z } from "zod";
import {
  CreateScheduleSchema,
  defineJobType,
  EnqueueJobBodySchema,
  type JobTypeDefinition,
  JobTypeListSchema,
  JobTypeParamsSchema,
  ListRunsQuerySchema,
  ListSchedulesQuerySchema,
  QueuedRunSchema,
  RunIdParamsSchema,
  RunPageSchema,
  RunSchema,
  ScheduleIdParamsSchema,
  SchedulePageSchema,
  ScheduleSchema,
  TriggeredRunSchema,
} from "./jobs-schemas.ts";
import { memoryPruneJob, memoryReembedJob } from "./memory-operations.ts";
import { defineOperation } from "./messaging.ts";
import { outboundDeliverJob } from "./outbound-operations.ts";
import { text } from "./scalars.ts";
import { ingestionSyncJob } from "./sources-operations.ts";

/** The job scheduler's built-in job types, the platform's job catalogue, and `svc.job-scheduler.*`. */

/** Built-in: logs and succeeds; `{ fail: true }` makes every attempt fail, to exercise retries. */
export const helloWorldJob = defineJobType({
  name: "hello_world",
  service: "job-scheduler",
  description: "Logs a greeting and succeeds; with `fail: true` it fails, to exercise retries.",
  payload: z.strictObject({ name: text().max(200).optional(), fail: z.boolean().optional() }),
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

/** Every job type the platform knows; a type must also be announced by a running worker to be accepted. */
export const JOB_TYPES: readonly JobTypeDefinition[] = [
  helloWorldJob,
  cleanupOldRunsJob,
  memoryPruneJob,
  memoryReembedJob,
  ingestionSyncJob,
  outboundDeliverJob,
];

// ---------------------------------------------------------------- operations (admin API)

export const jobsEnqueue = defineOperation({
  service: "job-scheduler",
  name: "jobs.enqueue",
  request: EnqueueJobBodySchema.extend(JobTypeParamsSchema.shape),
  response: QueuedRunSchema,
});

export const jobTypesList = defineOperation({
  service: "job-scheduler",
  name: "job-types.list",
  request: z.strictObject({}),
  response: JobTypeListSchema,
});

export const runsGet = defineOperation({
  service: "job-scheduler",
  name: "runs.get",
  request: RunIdParamsSchema,
  response: RunSchema,
});

export const runsList = defineOperation({
  service: "job-scheduler",
  name: "runs.list",
  request: ListRunsQuerySchema,
  response: RunPageSchema,
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
export const schedulesList = defineOperation({
  service: "job-scheduler",
  name: "schedules.list",
  request: ListSchedulesQuerySchema,
  response: SchedulePageSchema,
});
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
  response: TriggeredRunSchema,
});
export const schedulesDelete = defineOperation({
  service: "job-scheduler",
  name: "schedules.delete",
  request: ScheduleIdParamsSchema,
  response: z.object({}),
});
