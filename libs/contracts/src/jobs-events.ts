import { z } from "zod";
import { CatchUpSchema, OverlapPolicySchema } from "./jobs-schemas.ts";
import { defineEvent } from "./messaging.ts";

/** The job scheduler's events: runs and schedules. */

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
