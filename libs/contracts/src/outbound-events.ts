import { z } from "zod";
import { defineEvent } from "./messaging.ts";
import { MessageStatusSchema } from "./outbound-schemas.ts";
import { text, timestamp } from "./scalars.ts";

// The outbound service's published events. A message's content (subject, bodies, payload) and a
// contact's personal fields stay in the service's store, sealed under the contact's key; what
// travels is who did what to which message, and on what evidence.

const EvidenceSchema = z.array(z.object({ kind: text(), id: text() }));

const transition = {
  messageId: z.uuid(),
  /** Null for a platform email, which belongs to no project. */
  projectId: z.uuid().nullable(),
  /** The state the message is in after the event. */
  status: MessageStatusSchema,
  /** Who moved it: a user id, or `system:<service>`. */
  actor: text(),
  evidenceRefs: EvidenceSchema,
  at: timestamp(),
};

export const messageCreated = defineEvent({
  type: "outbound.message.created",
  version: 1,
  data: z.object({
    ...transition,
    channel: z.enum(["email", "webhook"]),
    system: z.boolean(),
    contactId: z.uuid().nullable(),
    endpointId: z.uuid().nullable(),
    dedupeKey: text().nullable(),
    sendAt: timestamp().nullable(),
  }),
});

export const messageSubmitted = defineEvent({
  type: "outbound.message.submitted",
  version: 1,
  data: z.object(transition),
});

export const messageApproved = defineEvent({
  type: "outbound.message.approved",
  version: 1,
  data: z.object({ ...transition, dueAt: timestamp() }),
});

export const messageRejected = defineEvent({
  type: "outbound.message.rejected",
  version: 1,
  data: z.object({ ...transition, reason: text() }),
});

export const messageCancelled = defineEvent({
  type: "outbound.message.cancelled",
  version: 1,
  data: z.object({ ...transition, reason: text() }),
});

export const messageSent = defineEvent({
  type: "outbound.message.sent",
  version: 1,
  data: z.object({ ...transition, attemptId: z.uuid(), providerMessageId: text().nullable() }),
});

export const messageFailed = defineEvent({
  type: "outbound.message.failed",
  version: 1,
  data: z.object({ ...transition, reason: text() }),
});

/** The contact and its personal fields are gone (its key destroyed). */
export const contactDeleted = defineEvent({
  type: "outbound.contact.deleted",
  version: 1,
  data: z.object({ contactId: z.uuid(), projectId: z.uuid(), deletedAt: timestamp() }),
});

/** A webhook endpoint answered 410 Gone: no more deliveries go to it. */
export const endpointDisabled = defineEvent({
  type: "outbound.endpoint.disabled",
  version: 1,
  data: z.object({ endpointId: z.uuid(), projectId: z.uuid(), reason: text(), disabledAt: timestamp() }),
});

export const OUTBOUND_EVENTS = [
  messageCreated,
  messageSubmitted,
  messageApproved,
  messageRejected,
  messageCancelled,
  messageSent,
  messageFailed,
  contactDeleted,
  endpointDisabled,
] as const;
