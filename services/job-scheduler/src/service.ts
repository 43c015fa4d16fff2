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
import type { JobsDeps } from "./app/deps.ts";
import { dispatchDueRuns } from "./app/dispatcher.ts";
import { enqueueJob } from "./app/enqueue-job.ts";
import { startLeaderLoop } from "./app/leader.ts";
import { listJobTypes } from "./app/list-job-types.ts";
import { onRunReport } from "./app/on-run-report.ts";
import { cancelRun, getRun, listRunsHandler, replayRun } from "./app/runs.ts";
import {
  changeSchedule,
  createSchedule,
  getSchedule,
  listSchedulesHandler,
  triggerSchedule,
} from "./app/schedules.ts";
import { tickSchedules } from "./app/ticker.ts";
import type { JobSchedulerConfig } from "./config.ts";
import { createJobPublisher } from "./infra/job-publisher.ts";
import { createLeaderLock } from "./infra/leader-lock.ts";
import * as createRunsAndSchedules from "./infra/migrations/2026_11_22_0001_create_runs_and_schedules.ts";
import * as indexUnfinishedRuns from "./infra/migrations/2026_11_23_0001_index_unfinished_runs.ts";
import { consumeRunReports } from "./infra/report-consumer.ts";
import type { JobsDb } from "./infra/tables.ts";

export const JOBS_SCHEMA = "jobs";

/** The `jobs` event store: runs and schedules hold nothing personal. */
export const jobsStores = eventStores({ schema: JOBS_SCHEMA });

/**
 * The `job-scheduler` service: the job type registry, runs and their history, schedules fired by
 * one leader among the replicas, and the built-in jobs, registered in one place.
 */
export function jobSchedulerService(config: JobSchedulerConfig): ServiceDefinition<JobsDb> {
  return {
    service: "job-scheduler",
    stores: jobsStores,
    migrations: {
      "2026_11_22_0001_create_runs_and_schedules": createRunsAndSchedules,
      "2026_11_23_0001_index_unfinished_runs": indexUnfinishedRuns,
    },
    publishes: [...JOB_RUN_EVENTS, ...JOB_SCHEDULE_EVENTS],
    async register({ db, bus, store, logger, onStop }) {
      const js = jetstream(bus.nc);
      const clock = () => new Date();
      const deps: JobsDeps = {
        db,
        store,
        publisher: createJobPublisher(js, bus.names),
        registry: await openJobTypeRegistry(bus),
        cancelled: await openCancelledRuns(bus),
        logger,
        clock,
      };

      bus.serve(jobsEnqueue, enqueueJob(deps));
      bus.serve(jobTypesList, listJobTypes(deps));
      bus.serve(runsGet, getRun(deps));
      bus.serve(runsList, listRunsHandler(deps));
      bus.serve(runsCancel, cancelRun(deps));
      bus.serve(runsReplay, replayRun(deps));
      bus.serve(schedulesCreate, createSchedule(deps));
      bus.serve(schedulesList, listSchedulesHandler(deps));
      bus.serve(schedulesGet, getSchedule(deps));
      bus.serve(schedulesPause, changeSchedule(deps, "PauseSchedule"));
      bus.serve(schedulesResume, changeSchedule(deps, "ResumeSchedule"));
      bus.serve(schedulesDelete, async (request, ctx) => {
        await changeSchedule(deps, "DeleteSchedule")(request, ctx);
        return {};
      });
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
        retryOverride: {
          ...(config.JOB_RETRY_INITIAL_DELAY_MS === undefined
            ? {}
            : { initialDelayMs: config.JOB_RETRY_INITIAL_DELAY_MS }),
          ...(config.JOB_RETRY_FACTOR === undefined ? {} : { factor: config.JOB_RETRY_FACTOR }),
          ...(config.JOB_RETRY_JITTER === undefined ? {} : { jitter: config.JOB_RETRY_JITTER }),
        },
        clock,
      });
      onStop("built-in job worker", () => worker.stop());

      await ensureBuiltinSchedules(deps, { cleanupCron: config.JOB_CLEANUP_CRON });
      const leader = startLeaderLoop({
        lock: createLeaderLock(
          config.DATABASE_URL,
          (err) => logger.warn({ err }, "leader lock connection failed"),
          // The lock session queries once per tick; five missed ticks mean the leader is cut off.
          { idleSessionTimeoutMs: Math.max(30_000, 5 * config.SCHEDULER_TICK_MS) },
        ),
        tickMs: config.SCHEDULER_TICK_MS,
        logger,
        clock,
        work: async (now) => {
          await tickSchedules(deps, { graceMs: config.SCHEDULER_MISFIRE_GRACE_MS }, now);
          await dispatchDueRuns(deps, { fastPathGraceMs: config.SCHEDULER_DISPATCH_GRACE_MS }, now);
        },
      });
      onStop("scheduler leader loop", () => leader.stop());
    },
  };
}

export function startJobSchedulerService(config: JobSchedulerConfig): Promise<RunningService<JobsDb>> {
  return startService(jobSchedulerService(config), config);
}
