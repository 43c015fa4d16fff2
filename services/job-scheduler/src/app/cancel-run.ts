import type { MessageContext, Run, runsCancel } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { z } from "zod";
import { type JobsDeps, runRunCommand } from "./deps.ts";
import { loadRunView } from "./get-run.ts";

/** `svc.job-scheduler.runs.cancel`: the run ends as `cancelled`; workers skip it or abort its attempt. */
export function cancelRun(deps: JobsDeps) {
  return async (request: z.output<typeof runsCancel.request>, ctx: MessageContext): Promise<Run> => {
    requirePlatformAdmin(ctx);
    const { runId } = request;
    const now = deps.clock();
    await runRunCommand(deps, runId, { type: "CancelRun", data: { runId }, meta: { now } }, ctx);
    await deps.cancelled.put(runId, now.toISOString());
    return loadRunView(deps, runId);
  };
}
