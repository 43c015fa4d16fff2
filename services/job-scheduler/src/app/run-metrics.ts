import { RunStatusSchema } from "@tessera/contracts";
import { type Logger, type Metrics, scrapedGauges } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { countRunsByTypeAndStatus } from "../infra/runs.ts";
import type { JobsDb } from "../infra/tables.ts";

/**
 * Runs by job type and status on the ops port, read at each scrape: every status of a type that
 * has runs is shown, 0 included, so a rate or an alert on `failed` or `dead` has a series to start from.
 */
export function runGauges(metrics: Metrics, deps: { db: Kysely<JobsDb>; logger: Logger }): void {
  scrapedGauges(
    metrics,
    { what: "job runs", read: () => countRunsByTypeAndStatus(deps.db), logger: deps.logger },
    [
      {
        name: "job_scheduler_runs",
        help: "Runs in the run history by job type and status (queued, running, succeeded, failed, dead, cancelled).",
        labelNames: ["job_type", "status"],
        fill: (gauge, counts) => {
          for (const jobType of new Set(counts.map((count) => count.jobType))) {
            for (const status of RunStatusSchema.options) gauge.set({ job_type: jobType, status }, 0);
          }
          for (const { jobType, status, count } of counts) gauge.set({ job_type: jobType, status }, count);
        },
      },
    ],
  );
}
