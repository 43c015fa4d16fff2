import type { JobRunReport, MessageContext } from "@tessera/contracts";
import { type JobsDeps, runRunCommand } from "./deps.ts";

/**
 * A worker's report becomes the run's next lifecycle event (or nothing, when it is stale or
 * repeated). Reports about one run may race each other; version conflicts are decided again.
 */
export function onRunReport(deps: JobsDeps) {
  return async (report: JobRunReport, ctx: MessageContext): Promise<void> => {
    const { runId, jobType: _jobType, ...data } = report;
    await runRunCommand(deps, runId, { type: "RecordReport", data, meta: { now: deps.clock() } }, ctx, {
      retries: 10,
    });
  };
}
