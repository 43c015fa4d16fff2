import type { JobTypeDefinition, MessageContext } from "@tessera/contracts";
import { markDispatched } from "../infra/runs.ts";
import { type JobsDeps, runRunCommand } from "./deps.ts";

export interface QueueRunInput {
  runId: string;
  type: JobTypeDefinition;
  /** Already parsed with the type's schema. */
  payload: unknown;
  runAt: Date;
  scheduleId: string | null;
  occurrence: Date | null;
}

/**
 * Appends `run.queued` (the run history row in the same transaction) and, when the run is due, puts
 * it on the job subject at once. A run that exists already is left as it is (idempotent). Returns
 * whether this call queued it.
 */
export async function queueRun(
  deps: JobsDeps,
  input: QueueRunInput,
  ctx: Partial<MessageContext>,
): Promise<boolean> {
  const now = deps.clock();
  const { events } = await runRunCommand(
    deps,
    input.runId,
    {
      type: "QueueRun",
      data: {
        runId: input.runId,
        jobType: input.type.name,
        payload: input.payload,
        runAt: input.runAt,
        scheduleId: input.scheduleId,
        occurrence: input.occurrence,
      },
      meta: { now },
    },
    ctx,
  );
  const queued = events[0];
  if (queued?.type !== "job-scheduler.run.queued") return false;
  if (input.runAt <= now) await dispatchNow(deps, input.type, queued.data, ctx);
  return true;
}

/**
 * The fast path: publish right after the append. If this fails (or the process dies first), the
 * leader's dispatcher publishes it a little later; JetStream drops a repeat within its window.
 */
export async function dispatchNow(
  deps: JobsDeps,
  type: JobTypeDefinition,
  run: { runId: string; generation: number; payload: unknown; queuedAt: string },
  ctx: Partial<MessageContext>,
): Promise<void> {
  try {
    await deps.publisher.publish(
      type,
      {
        runId: run.runId,
        jobType: type.name,
        generation: run.generation,
        payload: run.payload,
        queuedAt: run.queuedAt,
      },
      ctx,
    );
    await markDispatched(deps.db, run.runId, run.generation);
  } catch (err) {
    deps.logger.warn({ err, runId: run.runId }, "could not publish the run now; the dispatcher will");
  }
}
