import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import type { JobSchedulerConfig } from "./config.ts";

/** The `job-scheduler` service (job types, schedules, runs and dead letters): schema, streams and ping so far; its operations come next. */
export function jobSchedulerService(): ServiceDefinition {
  return {
    service: "job-scheduler",
    schema: "jobs",
    migrations: {},
    publishes: [],
    register: async () => {},
  };
}

export function startJobSchedulerService(config: JobSchedulerConfig): Promise<RunningService> {
  return startService(jobSchedulerService(), config);
}
