import { memoryPruneJob, memoryReembedJob } from "@tessera/contracts";
import { handleJob, type JobRegistration } from "@tessera/jobs";
import type { pruneExpired } from "./prune.ts";
import type { reembed } from "./reembed.ts";

/**
 * The jobs the memory service's workers run: `memory.prune` (the daily schedule, or an admin's
 * `POST /v1/admin/jobs/memory.prune`) and `memory.reembed` (after a change of embedding model).
 * Both are safe to run twice, which at-least-once delivery asks of them.
 */
export function memoryJobs(handlers: {
  prune: ReturnType<typeof pruneExpired>;
  reembed: ReturnType<typeof reembed>;
}): JobRegistration[] {
  return [
    handleJob(memoryPruneJob, async (payload, ctx) => {
      const { forgotten } = await handlers.prune(payload);
      ctx.logger.info({ forgotten, dryRun: payload.dryRun ?? false }, "expired memories pruned");
    }),
    handleJob(memoryReembedJob, async (payload, ctx) => {
      const { queued } = await handlers.reembed({ ...payload, all: payload.all ?? false });
      ctx.logger.info({ queued }, "memories queued for embedding");
    }),
  ];
}
