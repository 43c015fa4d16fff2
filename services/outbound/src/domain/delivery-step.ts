import { latestAttempt, type MessageView } from "./message.ts";

/** Why a message may not go out now: a contact that opted out or is gone (cancel), a dead target (fail). */
export interface Blocked {
  readonly reason: string;
  readonly cancel: boolean;
}

export type DeliveryStep =
  | { readonly kind: "nothing" }
  /** The latest attempt never finished: it may have been delivered, so no new one is made. */
  | { readonly kind: "mark-unknown"; readonly attemptId: string }
  | { readonly kind: "cancel"; readonly reason: string }
  | { readonly kind: "fail"; readonly reason: string }
  | { readonly kind: "attempt" };

/** Whether a delivery run may go on with the message: it is approved, or it is between retries. */
export function awaitsDelivery(view: MessageView): boolean {
  const latest = latestAttempt(view);
  return view.status === "approved" || (view.status === "sending" && latest?.outcome === "retry");
}

/**
 * What one delivery run does with a message, given what blocks it now (checked again at send).
 * Between retries the message is `sending` already, so a block fails it instead of cancelling.
 */
export function deliveryStep(view: MessageView, blocked: Blocked | null): DeliveryStep {
  const latest = latestAttempt(view);
  if (view.status === "sending" && latest?.outcome === "started")
    return { kind: "mark-unknown", attemptId: latest.id };
  if (!awaitsDelivery(view)) return { kind: "nothing" };
  if (blocked === null) return { kind: "attempt" };
  return blocked.cancel && view.status === "approved"
    ? { kind: "cancel", reason: blocked.reason }
    : { kind: "fail", reason: blocked.reason };
}
