import { JOB_TYPES } from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import { dueDispatches } from "../infra/runs.ts";
import type { JobsDeps } from "./deps.ts";
import { dispatchNow } from "./queue-run.ts";

export interface DispatchOptions {
  /** Runs queued less than this long ago are left to the fast path of the replica that queued them, in ms. */
  fastPathGraceMs: number;
}

/** Leader only: publishes delayed runs whose time has come and runs whose fast-path publish was lost. */
export async function dispatchDueRuns(deps: JobsDeps, opts: DispatchOptions, now: Date): Promise<number> {
  const rows = await dueDispatches(deps.db, now, new Date(now.getTime() - opts.fastPathGraceMs), 200);
  for (const row of rows) {
    const type = JOB_TYPES.find((candidate) => candidate.name === row.job_type);
    if (!type) {
      deps.logger.error({ runId: row.run_id, jobType: row.job_type }, "queued run of an unknown job type");
      continue;
    }
    await dispatchNow(
      deps,
      type,
      {
        runId: row.run_id,
        generation: row.generation,
        payload: row.payload,
        queuedAt: row.queued_at.toISOString(),
      },
      systemContext("job-scheduler"),
    );
  }
  return rows.length;
}
