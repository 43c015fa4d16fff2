import { randomUUID } from "node:crypto";
import type { jobsEnqueue, MessageContext } from "@tessera/contracts";
import { requirePlatformAdmin } from "@tessera/service-kit";
import type { z } from "zod";
import type { JobsDeps } from "./deps.ts";
import { derivedUuid } from "./ids.ts";
import { parsePayload, resolveJobType } from "./job-types.ts";
import { queueRun } from "./queue-run.ts";

/**
 * `svc.job-scheduler.jobs.enqueue`: unknown type → 404, bad payload → 400, else a queued run.
 * With an idempotency key the run id is derived from (type, key), so a repeat returns the first run.
 */
export function enqueueJob(deps: JobsDeps) {
  return async (
    request: z.output<typeof jobsEnqueue.request>,
    ctx: MessageContext,
  ): Promise<{ runId: string }> => {
    requirePlatformAdmin(ctx);
    const type = await resolveJobType(deps.registry, request.jobType);
    const payload = parsePayload(type, request.payload);
    const runId = request.idempotencyKey
      ? derivedUuid("idempotency", type.name, request.idempotencyKey)
      : randomUUID();
    const now = deps.clock();
    const runAt = request.runAt ? new Date(request.runAt) : now;
    await queueRun(deps, { runId, type, payload, runAt, scheduleId: null, occurrence: null }, ctx);
    return { runId };
  };
}
