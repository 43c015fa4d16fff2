import { type Bus, type Consumption, JOBS_STREAM, type MessageHandler } from "@tessera/bus";
import { JOB_RUN_REPORTS_SUBJECT, type JobRunReport, JobRunReportSchema } from "@tessera/contracts";

export const RUN_REPORTS_CONSUMER = "run-reports";

export interface RunReportConsumerOptions {
  /** Reports recorded at once. */
  concurrency: number;
  /** Deliveries before a report that cannot be recorded is dead-lettered. @default 10 */
  maxDeliver?: number;
  /** Delay before retrying after the n-th failure, in ms; the last value repeats. @default [1_000, 5_000, 15_000, 60_000] */
  backoffMs?: number[];
}

// A report is a fact about a run: it rides out a few minutes of Postgres trouble before a person must look.
const REPORT_MAX_DELIVER = 10;
const REPORT_BACKOFF_MS = [1_000, 5_000, 15_000, 60_000];

/**
 * Reads workers' reports from `job.job-scheduler.run-reports` (in the `JOBS` work queue, so each
 * report is handled by one replica). A report that does not parse, or that still cannot be recorded
 * after `maxDeliver` deliveries, goes to `dlq.job-scheduler.run-reports` with the reason.
 */
export function consumeRunReports(
  bus: Bus,
  handler: MessageHandler<JobRunReport>,
  opts: RunReportConsumerOptions,
): Promise<Consumption> {
  return bus.consume({
    name: RUN_REPORTS_CONSUMER,
    stream: JOBS_STREAM,
    filterSubjects: [JOB_RUN_REPORTS_SUBJECT],
    schema: JobRunReportSchema,
    handler,
    concurrency: opts.concurrency,
    maxDeliver: opts.maxDeliver ?? REPORT_MAX_DELIVER,
    backoffMs: opts.backoffMs ?? REPORT_BACKOFF_MS,
  });
}
