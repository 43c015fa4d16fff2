import type { MessageContext, memoriesPrune } from "@tessera/contracts";
import { eventMetadata, systemContext } from "@tessera/service-kit";
import type { z } from "zod";
import { listExpired } from "../infra/memories.ts";
import { type MemoryDeps, runMemoryCommand } from "./deps.ts";

const BATCH = 200;

type PruneRequest = z.output<typeof memoriesPrune.request>;

/**
 * Forgets every memory past its expiry (the `working` tier's TTL), each with a `forgotten` event
 * (reason `expired`). The payload is the `memory.prune` job's: one project or all, or a dry run.
 * Safe to run twice (a second run finds nothing), so the job's at-least-once delivery needs no key.
 */
export function pruneExpired(deps: Pick<MemoryDeps, "db" | "clock" | "policy">) {
  return async (request: PruneRequest, _ctx?: MessageContext): Promise<{ forgotten: number }> => {
    const now = deps.clock();
    let forgotten = 0;
    for (;;) {
      const expired = await listExpired(deps.db, { now, projectId: request.projectId, limit: BATCH });
      if (request.dryRun) return { forgotten: expired.length };
      for (const memory of expired) {
        const { events } = await runMemoryCommand(
          deps.db,
          {
            type: "ForgetMemory",
            data: { projectId: memory.projectId, memoryId: memory.id, reason: "expired" },
            meta: { now, workingTtlMs: deps.policy.workingTtlMs },
          },
          eventMetadata(systemContext("memory"), { projectId: memory.projectId }),
        );
        forgotten += events.length;
      }
      if (expired.length < BATCH) return { forgotten };
    }
  };
}
