import { JOB_TYPES, type MessageContext, type Run, type runsReplay } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { z } from "zod";
import { type JobsDeps, runRunCommand } from "./deps.ts";
import { loadRunView } from "./get-run.ts";
import { dispatchNow } from "./queue-run.ts";

/** `svc.job-scheduler.runs.replay`: a dead run is queued again as a new generation, attempts from 1. */
export function replayRun(deps: JobsDeps) {
  return async (request: z.output<typeof runsReplay.request>, ctx: MessageContext): Promise<Run> => {
    requirePlatformAdmin(ctx);
    const { runId } = request;
    const { events } = await runRunCommand(
      deps,
      runId,
      { type: "ReplayRun", data: { runId }, meta: { now: deps.clock() } },
      ctx,
    );
    const queued = events[0];
    const type = JOB_TYPES.find((candidate) => candidate.name === queued?.data.jobType);
    if (queued?.type === "job-scheduler.run.queued" && type) await dispatchNow(deps, type, queued.data, ctx);
    return loadRunView(deps, runId);
  };
}
