import { z } from "zod";
import { CatchUpSchema, OverlapPolicySchema } from "./jobs-schemas.ts";
import { defineEvent } from "./messaging.ts";
import { text, timestamp } from "./scalars.ts";

/** The job scheduler's events: runs and schedules. */

const runEventData = {
  runId: z.uuid(),
  jobType: text(),
  generation: z.number().int().positive(),
};

export const runQueued = defineEvent({
  type: "job-scheduler.run.queued",
  version: 1,
  data: z.object({
    ...runEventData,
    payload: z.unknown(),
    runAt: timestamp(),
    scheduleId: z.uuid().nullable(),
    occurrence: timestamp().nullable(),
    queuedAt: timestamp(),
  }),
});
export const runStarted = defineEvent({
  type: "job-scheduler.run.started",
  version: 1,
  data: z.object({ ...runEventData, attempt: z.number().int().positive(), startedAt: timestamp() }),
});
export const runSucceeded = defineEvent({
  type: "job-scheduler.run.succeeded",
  version: 1,
  data: z.object({ ...runEventData, attempt: z.number().int().positive(), finishedAt: timestamp() }),
});
export const runFailed = defineEvent({
  type: "job-scheduler.run.failed",
  version: 1,
  data: z.object({
    ...runEventData,
    attempt: z.number().int().positive(),
    error: text(),
    retryAt: timestamp(),
    failedAt: timestamp(),
  }),
});
export const runDead = defineEvent({
  type: "job-scheduler.run.dead",
  version: 1,
  data: z.object({
    ...runEventData,
    attempt: z.number().int().positive(),
    error: text(),
    diedAt: timestamp(),
  }),
});
export const runCancelled = defineEvent({
  type: "job-scheduler.run.cancelled",
  version: 1,
  data: z.object({ ...runEventData, cancelledAt: timestamp() }),
});

export const JOB_RUN_EVENTS = [
  runQueued,
  runStarted,
  runSucceeded,
  runFailed,
  runDead,
  runCancelled,
] as const;

const scheduleEventBase = { scheduleId: z.uuid() };
export const scheduleCreated = defineEvent({
  type: "job-scheduler.schedule.created",
  version: 1,
  data: z.object({
    ...scheduleEventBase,
    name: text(),
    cron: text(),
    timezone: text(),
    jobType: text(),
    payload: z.unknown(),
    overlap: OverlapPolicySchema,
    catchUp: CatchUpSchema,
    createdAt: timestamp(),
  }),
});
export const schedulePaused = defineEvent({
  type: "job-scheduler.schedule.paused",
  version: 1,
  data: z.object({ ...scheduleEventBase, pausedAt: timestamp() }),
});
export const scheduleResumed = defineEvent({
  type: "job-scheduler.schedule.resumed",
  version: 1,
  data: z.object({ ...scheduleEventBase, resumedAt: timestamp() }),
});
export const scheduleTriggered = defineEvent({
  type: "job-scheduler.schedule.triggered",
  version: 1,
  data: z.object({ ...scheduleEventBase, runId: z.uuid(), triggeredAt: timestamp() }),
});
export const scheduleDeleted = defineEvent({
  type: "job-scheduler.schedule.deleted",
  version: 1,
  data: z.object({ ...scheduleEventBase, deletedAt: timestamp() }),
});

export const JOB_SCHEDULE_EVENTS = [
  scheduleCreated,
  schedulePaused,
  scheduleResumed,
  scheduleTriggered,
  scheduleDeleted,
] as const;
