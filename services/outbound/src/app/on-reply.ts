import { type EventEnvelope, messageReceived } from "@tessera/contracts";
import type { z } from "zod";
import { findRepliers } from "../infra/queries.ts";
import { emailIndexOf, OUTBOUND_ACTOR, type OutboundDeps, runMessageCommand } from "./outbound-deps.ts";

/** The consumer of replies on the ingestion stream (durable `outbound--stop-on-reply`). */
export const REPLIES_CONSUMER = "stop-on-reply";

type Reply = z.output<typeof messageReceived.data>;

/**
 * Stop-on-reply: a contact who wrote back (`evt.ingestion.message.received`, matched in the same
 * project by Chatwoot contact id or by the email's blind index) has its messages that have not
 * gone out cancelled, with the reply's item as evidence. Contacts whose policy says otherwise keep
 * theirs. Cancelling is idempotent, so a redelivered reply has no second effect.
 */
export function onReply(deps: OutboundDeps) {
  return async (envelope: EventEnvelope): Promise<void> => {
    const reply = messageReceived.data.parse(envelope.data);
    const contacts = await findRepliers(deps.db, reply.projectId, {
      chatwootRef: reply.contactId === null ? null : String(reply.contactId),
      emailIndex: reply.contactEmail ? emailIndexOf(deps.emailIndexKey, reply.contactEmail) : null,
    });
    for (const contact of contacts.filter((candidate) => candidate.stop_on_reply)) {
      const open = await deps.db
        .selectFrom("messages")
        .select("id")
        .where("project_id", "=", reply.projectId)
        .where("contact_id", "=", contact.id)
        .where("status", "in", ["draft", "pending_approval", "approved"])
        .execute();
      for (const message of open) await cancel(deps, reply, message.id, envelope.eventId);
    }
  };
}

async function cancel(deps: OutboundDeps, reply: Reply, messageId: string, eventId: string) {
  await deps.db
    .transaction()
    .execute((trx) =>
      runMessageCommand(
        trx,
        {
          type: "CancelMessage",
          data: {
            messageId,
            projectId: reply.projectId,
            reason: "the contact replied",
            evidence: { kind: "ingestion.item", id: reply.itemId },
          },
          meta: { now: deps.clock(), actor: OUTBOUND_ACTOR },
        },
        { actor: OUTBOUND_ACTOR, projectId: reply.projectId, causationId: eventId },
      ),
    )
    .catch((error: unknown) => {
      // It started sending meanwhile: too late to stop, and nothing to retry.
      if (error instanceof Error && error.name === "IllegalTransitionError") return;
      throw error;
    });
}
