export { retryDelayMs } from "./backoff.ts";
export { JobCancelledError, JobTimeoutError, RetryLaterError, WorkerStoppingError } from "./errors.ts";
export {
  announceJobType,
  findAnnouncement,
  isCancelled,
  openCancelledRuns,
  openJobTypeRegistry,
} from "./registry.ts";
export {
  handleJob,
  type JobContext,
  type JobHandler,
  type JobLogger,
  type JobRegistration,
} from "./types.ts";
export { type JobWorker, type JobWorkerOptions, jobConsumerName, startJobWorker } from "./worker.ts";
