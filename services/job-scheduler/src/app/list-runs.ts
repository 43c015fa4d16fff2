import { decodeCursor, type MessageContext, pageOf, type runsList } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import { z } from "zod";
import { listRuns as findRuns, toRunView } from "../infra/runs.ts";
import type { JobsDeps } from "./deps.ts";

const RunCursorSchema = z.object({ queuedAt: z.iso.datetime(), runId: z.uuid() });

/** `svc.job-scheduler.runs.list`: newest first, by type and status. */
export function listRuns(deps: JobsDeps) {
  return async (request: z.output<typeof runsList.request>, ctx: MessageContext) => {
    requirePlatformAdmin(ctx);
    const rows = await findRuns(deps.db, {
      type: request.type,
      status: request.status,
      limit: request.limit + 1,
      after: decodeCursor(RunCursorSchema, request.cursor),
    });
    return pageOf(rows, request.limit, toRunView, (row) => ({
      queuedAt: row.queued_at.toISOString(),
      runId: row.run_id,
    }));
  };
}
