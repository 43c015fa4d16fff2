import { randomUUID } from "node:crypto";
import type { EventMetadata } from "@tessera/contracts";
import { type JobContext, RetryLaterError } from "@tessera/jobs";
import { openSecret } from "@tessera/service-kit";
import { deliveryStep } from "../domain/delivery-step.ts";
import {
  type MessageCommand,
  type MessageEvent,
  type MessageState,
  type MessageView,
  messageDecider,
  messageStreamId,
} from "../domain/message.ts";
import { outboundStores } from "../infra/event-store.ts";
import type { MessageRow } from "../infra/outbound.tables.ts";
import { findContact, findEndpoint, findMessageById } from "../infra/queries.ts";
import type { DeliveryResult } from "./channels.ts";
import { unsubscribeAad } from "./create-contact.ts";
import { endpointSecret } from "./endpoints.ts";
import { OUTBOUND_ACTOR, type OutboundDeps, runEndpointCommand, runMessageCommand } from "./outbound-deps.ts";
import { dueAt, enqueueDelivery } from "./schedule-delivery.ts";

/**
 * The points of a delivery run where a process can die: the run is claimed and nothing is recorded,
 * the attempt is recorded as started and the channel not yet called, the channel answered and the
 * outcome not yet recorded, the outcome recorded and the run not yet acknowledged.
 */
export type DeliveryPoint = "claimed" | "attempt-started" | "channel-answered" | "recorded";

/** Test seams of the worker: tests stop a run for good at each point, as a crash would. */
export interface DeliveryHooks {
  at?: (point: DeliveryPoint, messageId: string) => Promise<void>;
}

export interface DeliverDeps extends OutboundDeps {
  /** The deliver job's attempts, as its worker runs it (the last one marks the message failed). */
  readonly maxAttempts: number;
  readonly hooks: DeliveryHooks;
}

/** Slack before a re-checked due time counts as later: clocks and queues are not exact. */
const LATER_SLACK_MS = 1_000;

async function stateOf(deps: DeliverDeps, messageId: string): Promise<MessageView | undefined> {
  const slice = await outboundStores.on(deps.db).readStream<MessageEvent>(messageStreamId(messageId));
  const state = slice.events.reduce<MessageState>(messageDecider.evolve, messageDecider.initialState());
  return state.status === "absent" ? undefined : state;
}

/**
 * The `outbound.deliver` worker. Re-checks the policy (an opted-out or deleted contact cancels the
 * message; a removed endpoint fails it), moves the message to `sending` and records the attempt
 * as `started` *before* it calls the channel, then records what the channel said. A message whose
 * latest attempt is still `started` was interrupted after the channel may have delivered it: the
 * attempt becomes `unknown` and nothing is sent again.
 */
export function deliverMessage(deps: DeliverDeps) {
  const metadata = (row: MessageRow, runId: string): EventMetadata => ({
    actor: OUTBOUND_ACTOR,
    requestId: runId,
    ...(row.project_id ? { projectId: row.project_id } : {}),
  });
  const run = (row: MessageRow, runId: string, command: MessageCommand) =>
    deps.db.transaction().execute((trx) => runMessageCommand(trx, command, metadata(row, runId)));

  return async (payload: { messageId: string }, job: JobContext): Promise<void> => {
    const row = await findMessageById(deps.db, payload.messageId);
    const view = row ? await stateOf(deps, payload.messageId) : undefined;
    if (!row || !view) return;
    await deps.hooks.at?.("claimed", row.id);
    const target = { messageId: row.id, projectId: row.project_id };
    const meta = () => ({ now: deps.clock(), actor: OUTBOUND_ACTOR });
    const initial = deliveryStep(view, null);
    if (initial.kind === "mark-unknown") {
      await run(row, job.runId, {
        type: "MarkAttemptUnknown",
        data: { ...target, attemptId: initial.attemptId },
        meta: meta(),
      });
      job.logger.warn(
        { messageId: row.id },
        "an interrupted attempt may have been delivered; not sending again",
      );
      return;
    }
    if (initial.kind === "nothing") return;

    const prepared = await prepare(deps, row);
    if (prepared.kind === "later") {
      await enqueueDelivery(deps, row.id, prepared.at, `later:${prepared.at.toISOString()}`);
      return;
    }
    const step = deliveryStep(
      view,
      prepared.kind === "send" ? null : { reason: prepared.reason, cancel: prepared.kind === "cancel" },
    );
    if (step.kind === "cancel") {
      await run(row, job.runId, {
        type: "CancelMessage",
        data: { ...target, reason: step.reason },
        meta: meta(),
      });
      return;
    }
    if (step.kind === "fail") {
      await run(row, job.runId, {
        type: "FailMessage",
        data: { ...target, reason: step.reason },
        meta: meta(),
      });
      return;
    }
    if (prepared.kind !== "send") return;

    const attemptId = randomUUID();
    await run(row, job.runId, { type: "StartAttempt", data: { ...target, attemptId }, meta: meta() });
    await deps.hooks.at?.("attempt-started", row.id);
    const result = await prepared.send().catch(
      (error: unknown): DeliveryResult => ({
        outcome: "retry",
        error: error instanceof Error ? error.message : "failed",
      }),
    );
    await deps.hooks.at?.("channel-answered", row.id);
    const final = result.outcome === "retry" && job.attempt >= deps.maxAttempts;
    // A 410 disables the endpoint in the same transaction: no reader sees the message failed for it
    // while the endpoint is still active, and no crash leaves one without the other.
    await deps.db.transaction().execute(async (trx) => {
      const md = metadata(row, job.runId);
      await runMessageCommand(
        trx,
        { type: "FinishAttempt", data: { ...target, attemptId, result, final }, meta: meta() },
        md,
      );
      if (result.outcome === "gone" && row.endpoint_id && row.project_id) {
        const endpoint = { endpointId: row.endpoint_id, projectId: row.project_id };
        await runEndpointCommand(
          trx,
          {
            type: "DisableEndpoint",
            data: { ...endpoint, reason: "gone (410)" },
            meta: { now: deps.clock() },
          },
          md,
        );
      }
    });
    await deps.hooks.at?.("recorded", row.id);
    if (result.outcome === "retry") {
      const reason = `delivery attempt ${job.attempt} will be retried: ${result.error ?? "temporary failure"}`;
      // The last one dead-letters the run; the message is failed already.
      throw new RetryLaterError(
        final ? `no attempt succeeded: ${result.error ?? ""}` : reason,
        result.retryAfterMs ?? 0,
      );
    }
  };
}

type Prepared =
  | { kind: "send"; send: () => Promise<DeliveryResult> }
  | { kind: "cancel"; reason: string }
  | { kind: "fail"; reason: string }
  | { kind: "later"; at: Date };

async function prepare(deps: DeliverDeps, row: MessageRow): Promise<Prepared> {
  if (row.channel === "webhook") {
    const endpoint =
      row.project_id && row.endpoint_id
        ? await findEndpoint(deps.db, row.project_id, row.endpoint_id)
        : undefined;
    if (!endpoint) return { kind: "fail", reason: "the endpoint was removed" };
    if (endpoint.status !== "active") return { kind: "fail", reason: "the endpoint is disabled" };
    return {
      kind: "send",
      send: () =>
        deps.webhook.send({
          deliveryId: row.id,
          url: endpoint.url,
          secrets: [endpointSecret(deps, endpoint)],
          eventType: row.event_type ?? "message",
          payload: row.payload ?? {},
        }),
    };
  }
  if (row.system) {
    if (row.to_address === null) return { kind: "fail", reason: "the address was erased" };
    const to = row.to_address;
    return {
      kind: "send",
      send: () =>
        deps.email.send({
          messageId: row.id,
          to,
          subject: row.subject ?? "",
          text: row.text ?? "",
          ...(row.html ? { html: row.html } : {}),
        }),
    };
  }
  const contact =
    row.project_id && row.contact_id ? await findContact(deps.db, row.project_id, row.contact_id) : undefined;
  if (!contact) return { kind: "cancel", reason: "the contact was deleted" };
  if (contact.opted_out) return { kind: "cancel", reason: "the contact opted out" };
  if (contact.email === null) return { kind: "fail", reason: "the contact has no email address" };
  // Caps and quiet hours again: other messages may have gone out since the approval.
  const due = await dueAt(deps.db, deps.clock(), row.send_at, contact);
  if (due.getTime() > deps.clock().getTime() + LATER_SLACK_MS) return { kind: "later", at: due };
  const token = openSecret(deps.keys, contact.unsubscribe_token, unsubscribeAad(contact.id));
  const email = contact.email;
  return {
    kind: "send",
    send: () =>
      deps.email.send({
        messageId: row.id,
        to: email,
        ...(contact.name ? { toName: contact.name } : {}),
        subject: row.subject ?? "",
        text: row.text ?? "",
        ...(row.html ? { html: row.html } : {}),
        unsubscribeUrl: `${deps.settings.appUrl.replace(/\/+$/, "")}/v1/unsubscribe/${token}`,
      }),
  };
}
