import type { JobRunReport, MessageContext } from "@tessera/contracts";
import { handleCommand } from "@tessera/eventstore";
import { eventMetadata } from "@tessera/service-kit";
import { runDecider } from "../domain/decide-run.ts";
import { runStreamId } from "../domain/run.ts";
import { projectRunEvents } from "../infra/runs.ts";
import type { JobsDeps } from "./deps.ts";

/**
 * A worker's report becomes the run's next lifecycle event (or nothing, when it is stale or
 * repeated). Reports about one run may race each other; version conflicts are decided again.
 */
export function onRunReport(deps: JobsDeps) {
  return async (report: JobRunReport, ctx: MessageContext): Promise<void> => {
    const { runId, jobType: _jobType, ...data } = report;
    await handleCommand(
      deps.store,
      runDecider,
      runStreamId(runId),
      { type: "RecordReport", data, meta: { now: deps.clock() } },
      { inline: [projectRunEvents], metadata: eventMetadata(ctx), retries: 10 },
    );
  };
}
