import { jetstream } from "@nats-io/jetstream";
import {
  JOB_RUN_EVENTS,
  JOB_SCHEDULE_EVENTS,
  jobsEnqueue,
  jobTypesList,
  runsCancel,
  runsGet,
  runsList,
  runsReplay,
  schedulesCreate,
  schedulesDelete,
  schedulesGet,
  schedulesList,
  schedulesPause,
  schedulesResume,
  schedulesTrigger,
} from "@tessera/contracts";
import { eventStores } from "@tessera/eventstore";
import { openCancelledRuns, openJobTypeRegistry, startJobWorker } from "@tessera/jobs";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { builtinJobs, ensureBuiltinSchedules } from "./app/builtin-jobs.ts";
import { cancelRun } from "./app/cancel-run.ts";
import { deleteSchedule, pauseSchedule, resumeSchedule } from "./app/change-schedule.ts";
import { createSchedule } from "./app/create-schedule.ts";
import type { JobsDeps } from "./app/deps.ts";
import { enqueueJob } from "./app/enqueue-job.ts";
import { getRun } from "./app/get-run.ts";
import { getSchedule } from "./app/get-schedule.ts";
import { type LeaderLoop, startLeaderLoop } from "./app/leader.ts";
import { listJobTypes } from "./app/list-job-types.ts";
import { listRuns } from "./app/list-runs.ts";
import { listSchedules } from "./app/list-schedules.ts";
import { onRunReport } from "./app/on-run-report.ts";
import { replayRun } from "./app/replay-run.ts";
import { runGauges } from "./app/run-metrics.ts";
import { schedulerTick } from "./app/scheduler-tick.ts";
import { triggerSchedule } from "./app/trigger-schedule.ts";
import { type JobSchedulerConfig, schedulerSettings } from "./config.ts";
import { createJobPublisher } from "./infra/job-publisher.ts";
import { createLeaderLock } from "./infra/leader-lock.ts";
import * as createRunsAndSchedules from "./infra/migrations/2026_11_22_0001_create_runs_and_schedules.ts";
import * as indexUnfinishedRuns from "./infra/migrations/2026_11_23_0001_index_unfinished_runs.ts";
import * as scheduleStreamVersion from "./infra/migrations/2026_11_24_0001_schedule_stream_version.ts";
import { consumeRunReports } from "./infra/report-consumer.ts";
import { schedulesReadModel } from "./infra/schedule-projection.ts";
import type { JobsDb } from "./infra/tables.ts";

export const JOBS_SCHEMA = "jobs";

/** The `jobs` event store: runs and schedules hold nothing personal. */
export const jobsStores = eventStores({ schema: JOBS_SCHEMA });

export interface JobSchedulerHooks {
  /** The clock that schedules, runs, the leader's ticks and the built-in worker read (tests drive it). */
  clock?: () => Date;
  /** Set when the service starts: its leader loop, whose ticks a test can wait for. */
  leader?: LeaderLoop;
}

/**
 * The `job-scheduler` service: the job type registry, runs and their history, schedules fired by
 * one leader among the replicas, and the built-in jobs, registered in one place.
 */
export function jobSchedulerService(
  config: JobSchedulerConfig,
  hooks: JobSchedulerHooks = {},
): ServiceDefinition<JobsDb> {
  return {
    service: "job-scheduler",
    stores: jobsStores,
    migrations: {
      "2026_11_22_0001_create_runs_and_schedules": createRunsAndSchedules,
      "2026_11_23_0001_index_unfinished_runs": indexUnfinishedRuns,
      "2026_11_24_0001_schedule_stream_version": scheduleStreamVersion,
    },
    publishes: [...JOB_RUN_EVENTS, ...JOB_SCHEDULE_EVENTS],
    projections: [schedulesReadModel],
    async register({ db, bus, store, logger, onStop, metrics }) {
      const settings = schedulerSettings(config);
      const clock = hooks.clock ?? (() => new Date());
      const deps: JobsDeps = {
        db,
        store,
        publisher: createJobPublisher(jetstream(bus.nc), bus.names),
        registry: await openJobTypeRegistry(bus),
        cancelled: await openCancelledRuns(bus),
        logger,
        clock,
      };

      runGauges(metrics, { db, logger });
      bus.serve(jobsEnqueue, enqueueJob(deps));
      bus.serve(jobTypesList, listJobTypes(deps));
      bus.serve(runsGet, getRun(deps));
      bus.serve(runsList, listRuns(deps));
      bus.serve(runsCancel, cancelRun(deps));
      bus.serve(runsReplay, replayRun(deps));
      bus.serve(schedulesCreate, createSchedule(deps));
      bus.serve(schedulesList, listSchedules(deps));
      bus.serve(schedulesGet, getSchedule(deps));
      bus.serve(schedulesPause, pauseSchedule(deps));
      bus.serve(schedulesResume, resumeSchedule(deps));
      bus.serve(schedulesDelete, deleteSchedule(deps));
      bus.serve(schedulesTrigger, triggerSchedule(deps));

      const reports = await consumeRunReports(bus, onRunReport(deps), {
        concurrency: config.JOB_REPORT_CONCURRENCY,
      });
      onStop("run report consumer", () => reports.stop());

      const worker = await startJobWorker({
        bus,
        logger,
        jobs: builtinJobs(deps, { retentionDays: config.JOB_RUN_RETENTION_DAYS }),
        ackWaitMs: config.JOB_ACK_WAIT_MS,
        drainTimeoutMs: config.JOB_DRAIN_TIMEOUT_MS,
        retryOverride: settings.retryOverride,
        clock,
      });
      onStop("built-in job worker", () => worker.stop());

      await ensureBuiltinSchedules(deps, { cleanupCron: config.JOB_CLEANUP_CRON });
      const leader = startLeaderLoop({
        lock: createLeaderLock(
          config.DATABASE_URL,
          (err) => logger.warn({ err }, "leader lock connection failed"),
          { idleSessionTimeoutMs: settings.leaderIdleSessionTimeoutMs },
        ),
        tickMs: config.SCHEDULER_TICK_MS,
        logger,
        clock,
        work: schedulerTick(deps, {
          misfireGraceMs: config.SCHEDULER_MISFIRE_GRACE_MS,
          dispatchGraceMs: config.SCHEDULER_DISPATCH_GRACE_MS,
        }),
      });
      hooks.leader = leader;
      onStop("scheduler leader loop", () => leader.stop());
    },
  };
}

export function startJobSchedulerService(
  config: JobSchedulerConfig,
  hooks: JobSchedulerHooks = {},
): Promise<RunningService<JobsDb>> {
  return startService(jobSchedulerService(config, hooks), config);
}
