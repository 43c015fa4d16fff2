import type { MessageContext, Run, runsGet } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { z } from "zod";
import { RunNotFoundError } from "../domain/errors.ts";
import { findRun, toRunView } from "../infra/runs.ts";
import type { JobsDeps } from "./deps.ts";

/** `svc.job-scheduler.runs.get` */
export function getRun(deps: JobsDeps) {
  return async (request: z.output<typeof runsGet.request>, ctx: MessageContext): Promise<Run> => {
    requirePlatformAdmin(ctx);
    return loadRunView(deps, request.runId);
  };
}

/** The run as the admin API shows it; an unknown run is 404 `job.run_not_found`. */
export async function loadRunView(deps: JobsDeps, runId: string): Promise<Run> {
  const row = await findRun(deps.db, runId);
  if (!row) throw new RunNotFoundError(runId);
  return toRunView(row);
}
