import { type Logger, type PollingWorker, startPollingWorker } from "@tessera/service-kit";
import type { OutboundDeps } from "./outbound-deps.ts";
import { approvalKey, enqueueDelivery } from "./schedule-delivery.ts";

/** Approved messages re-queued per pass, at most. */
const REQUEUE_BATCH = 1_000;

/**
 * Queues every approved message again under the key its approval used, which the scheduler answers
 * with the run it already has: only a missing run is made. `dueBefore` limits it to messages that
 * should have gone by then. Stops at the first failure (the scheduler is down): the next pass goes on.
 */
export async function requeueApproved(
  deps: Pick<OutboundDeps, "db" | "bus">,
  logger: Logger,
  options: { dueBefore?: Date } = {},
): Promise<number> {
  let query = deps.db
    .selectFrom("messages")
    .select(["id", "due_at", "system"])
    .where("status", "=", "approved")
    .orderBy("due_at")
    .limit(REQUEUE_BATCH);
  if (options.dueBefore) query = query.where("due_at", "<", options.dueBefore);
  let queued = 0;
  for (const row of await query.execute()) {
    const due = row.due_at ?? new Date();
    try {
      await enqueueDelivery(deps, row.id, due, row.system ? "system" : approvalKey(due));
      queued++;
    } catch (err) {
      logger.warn(
        { err, messageId: row.id },
        "could not re-queue an approved message; the next pass tries again",
      );
      return queued;
    }
  }
  return queued;
}

/**
 * An approval is committed before its run is queued; should the queueing fail (the scheduler is
 * down), the message would wait. This looks again every `pollMs`: at start for every approved
 * message, then for those overdue by more than `pollMs` (their run should have taken them by then).
 */
export function startApprovedRequeue(
  deps: Pick<OutboundDeps, "db" | "bus" | "clock">,
  logger: Logger,
  pollMs: number,
): PollingWorker {
  let first = true;
  return startPollingWorker({
    name: "approved re-queue",
    pollMs,
    logger,
    pass: async () => {
      const dueBefore = first ? undefined : new Date(deps.clock().getTime() - pollMs);
      first = false;
      const queued = await requeueApproved(deps, logger, dueBefore ? { dueBefore } : {});
      if (queued > 0) logger.debug({ queued }, "approved messages re-queued");
      return false;
    },
  });
}
