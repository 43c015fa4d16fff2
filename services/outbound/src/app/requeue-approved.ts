import type { Logger } from "@tessera/service-kit";
import type { OutboundDeps } from "./outbound-deps.ts";
import { enqueueDelivery } from "./schedule-delivery.ts";

/** Approved messages re-queued per start, at most. */
const REQUEUE_BATCH = 1_000;

/**
 * An approval is committed before its run is queued; should the queueing fail, the message would
 * wait for ever. At start every approved message is queued again under the key its approval used,
 * which the scheduler answers with the run it already has: only a missing run is made.
 */
export async function requeueApproved(
  deps: Pick<OutboundDeps, "db" | "bus">,
  logger: Logger,
): Promise<number> {
  const rows = await deps.db
    .selectFrom("messages")
    .select(["id", "due_at", "system"])
    .where("status", "=", "approved")
    .orderBy("due_at")
    .limit(REQUEUE_BATCH)
    .execute();
  let queued = 0;
  for (const row of rows) {
    try {
      await enqueueDelivery(deps, row.id, row.due_at ?? new Date(), row.system ? "system" : "approved");
      queued++;
    } catch (err) {
      logger.warn(
        { err, messageId: row.id },
        "could not re-queue an approved message; the next start tries again",
      );
      return queued;
    }
  }
  return queued;
}
