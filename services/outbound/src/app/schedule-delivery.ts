import { jobsEnqueue, type MessageContext, outboundDeliverJob } from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import type { Kysely, Transaction } from "kysely";
import { earliestDelivery, WEEK_MS } from "../domain/delivery-window.ts";
import type { ContactRow, OutboundDb } from "../infra/outbound.tables.ts";
import { sentTimes } from "../infra/queries.ts";
import type { OutboundDeps } from "./outbound-deps.ts";

/**
 * When a message may go: not before `sendAt` or now, and for a contact outside its quiet hours
 * (in its time zone, across DST changes) and under its rolling day and week caps.
 */
export async function dueAt(
  db: Kysely<OutboundDb> | Transaction<OutboundDb>,
  now: Date,
  sendAt: Date | null,
  contact: ContactRow | undefined,
): Promise<Date> {
  const notBefore = sendAt && sendAt > now ? sendAt : now;
  if (contact === undefined) return notBefore;
  const sent = await sentTimes(db, contact.id, new Date(notBefore.getTime() - WEEK_MS));
  return earliestDelivery(
    notBefore,
    {
      quietHours: contact.quiet_hours,
      timezone: contact.timezone,
      maxPerDay: contact.max_per_day,
      maxPerWeek: contact.max_per_week,
    },
    sent,
  );
}

/**
 * The run key of an approval (or a resend, which approves again): its due time, which the message
 * row keeps, so a re-queue finds the very run the approval made.
 */
export function approvalKey(due: Date): string {
  return `approved:${due.toISOString()}`;
}

/**
 * Queues `outbound.deliver` for the message at `runAt` through the job-scheduler, as the platform.
 * `key` makes a repeat (the same approval retried) one run.
 */
export async function enqueueDelivery(
  deps: Pick<OutboundDeps, "bus">,
  messageId: string,
  runAt: Date,
  key: string,
  cause?: MessageContext,
): Promise<string> {
  const ctx: MessageContext = {
    ...systemContext("outbound"),
    ...(cause ? { requestId: cause.requestId } : {}),
    ...(cause?.traceparent ? { traceparent: cause.traceparent } : {}),
  };
  const { runId } = await deps.bus.request(
    jobsEnqueue,
    {
      jobType: outboundDeliverJob.name,
      payload: { messageId },
      runAt: runAt.toISOString(),
      idempotencyKey: `${messageId}:${key}`,
    },
    ctx,
  );
  return runId;
}
