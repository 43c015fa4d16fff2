import { z } from "zod";
import { EmailSchema } from "./auth-schemas.ts";
import { PageQuerySchema, pageSchema } from "./pagination.ts";
import { RawBodySchema } from "./routes.ts";
import { jsonObjectOfAtMost, text, timestamp, url } from "./scalars.ts";

/** Outbound: contacts and their policies, webhook endpoints, messages and their attempts. */

// ---------------------------------------------------------------- contacts

/** An IANA time zone name that this runtime's Intl knows (`Europe/Berlin`, `UTC`). */
export const TimeZoneSchema = text()
  .trim()
  .min(1)
  .max(64)
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone name");

/** External ids of a contact, by system (`chatwoot`: the Chatwoot contact id). At most 20. */
export const ExternalRefsSchema = z
  .record(
    text()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[a-z][a-z0-9_-]*$/, "must be a lower-case name"),
    text().trim().min(1).max(256),
  )
  .refine((refs) => Object.keys(refs).length <= 20, "at most 20 external refs");

const ContactNameSchema = text().trim().min(1).max(200);

const contactFields = {
  email: EmailSchema.optional(),
  name: ContactNameSchema.optional(),
  timezone: TimeZoneSchema.optional(),
  externalRefs: ExternalRefsSchema.optional(),
};

export const CreateContactBody = z.strictObject(contactFields);
export const CreateContactRequest = z.strictObject({ ...contactFields, projectId: z.uuid() });

const contactPatchFields = {
  email: EmailSchema.nullable().optional(),
  name: ContactNameSchema.nullable().optional(),
  timezone: TimeZoneSchema.nullable().optional(),
  /** Replaces the refs as a whole; null clears them. */
  externalRefs: ExternalRefsSchema.nullable().optional(),
};
const changesAContact = [
  (body: Record<string, unknown>) => Object.values(body).some((value) => value !== undefined),
  "must change at least one of email, name, timezone, externalRefs",
] as const;
export const UpdateContactBody = z.strictObject(contactPatchFields).refine(...changesAContact);
export const UpdateContactRequest = z
  .strictObject({ ...contactPatchFields, projectId: z.uuid(), contactId: z.uuid() })
  .refine(({ projectId: _p, contactId: _c, ...changes }) => changesAContact[0](changes), changesAContact[1]);

/** `HH:MM`, 24-hour clock. */
const ClockTimeSchema = text().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (00:00–23:59)");

/** No sending from `start` to `end` in the contact's time zone (it may span midnight: 22:00–08:00). */
export const QuietHoursSchema = z
  .strictObject({ start: ClockTimeSchema, end: ClockTimeSchema })
  .refine((hours) => hours.start !== hours.end, "start and end must differ")
  .meta({ id: "QuietHours" });
export type QuietHours = z.infer<typeof QuietHoursSchema>;

/** Largest cap per rolling day or week. */
export const CAP_MAX = 10_000;

const policyFields = {
  optedOut: z.boolean(),
  stopOnReply: z.boolean(),
  /** Messages sent to the contact in any rolling 24 hours; null: no cap. */
  maxPerDay: z.number().int().min(1).max(CAP_MAX).nullable().optional(),
  /** Messages sent to the contact in any rolling 7 days; null: no cap. */
  maxPerWeek: z.number().int().min(1).max(CAP_MAX).nullable().optional(),
  quietHours: QuietHoursSchema.nullable().optional(),
};
export const ContactPolicyBody = z.strictObject(policyFields);
export const PutContactPolicyRequest = z.strictObject({
  ...policyFields,
  projectId: z.uuid(),
  contactId: z.uuid(),
});

export const ContactPolicySchema = z
  .object({
    optedOut: z.boolean(),
    stopOnReply: z.boolean(),
    maxPerDay: z.number().int().nullable(),
    maxPerWeek: z.number().int().nullable(),
    quietHours: z.object({ start: text(), end: text() }).nullable(),
  })
  .meta({ id: "ContactPolicy" });
export type ContactPolicy = z.infer<typeof ContactPolicySchema>;

export const ContactSchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid(),
    email: text().nullable(),
    name: text().nullable(),
    timezone: text().nullable(),
    externalRefs: z.record(text(), text()),
    policy: ContactPolicySchema,
    createdAt: timestamp(),
    updatedAt: timestamp(),
  })
  .meta({ id: "Contact" });
export type Contact = z.infer<typeof ContactSchema>;
export const ContactPageSchema = pageSchema(ContactSchema);
export const ContactParams = z.strictObject({ projectId: z.uuid(), contactId: z.uuid() });

// ---------------------------------------------------------------- endpoints

/**
 * A webhook endpoint's URL: http(s), no credentials or fragment. Only the syntax is checked here;
 * whether the address may be reached is the egress guard's decision at each delivery.
 */
export const EndpointUrlSchema = url()
  .max(2_048)
  .refine((value) => {
    const parsed = URL.parse(value);
    return (
      parsed !== null &&
      (parsed.protocol === "https:" || parsed.protocol === "http:") &&
      parsed.username === "" &&
      parsed.password === "" &&
      parsed.hash === ""
    );
  }, "must be an http(s) URL without credentials or fragment");

export const CreateEndpointBody = z.strictObject({ url: EndpointUrlSchema });
export const CreateEndpointRequest = z.strictObject({ url: EndpointUrlSchema, projectId: z.uuid() });

export const ENDPOINT_STATUSES = ["active", "disabled"] as const;
export const EndpointSchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid(),
    url: url(),
    status: z.enum(ENDPOINT_STATUSES),
    /** Why it was disabled (`gone`: it answered 410). */
    disabledReason: text().nullable(),
    createdAt: timestamp(),
  })
  .meta({ id: "Endpoint" });
export type Endpoint = z.infer<typeof EndpointSchema>;
export const CreatedEndpointSchema = EndpointSchema.extend({
  /** The Standard Webhooks signing secret (`whsec_…`), shown this once. */
  secret: text(),
});
export const EndpointPageSchema = pageSchema(EndpointSchema);
export const EndpointParams = z.strictObject({ projectId: z.uuid(), endpointId: z.uuid() });

// ---------------------------------------------------------------- settings

export const OutboundSettingsSchema = z
  .object({
    /** An approver must differ from the message's author. @default false */
    fourEyes: z.boolean(),
  })
  .meta({ id: "OutboundSettings" });
export const OutboundSettingsBody = z.strictObject({ fourEyes: z.boolean() });
export const PutOutboundSettingsRequest = z.strictObject({ fourEyes: z.boolean(), projectId: z.uuid() });

// ---------------------------------------------------------------- messages

export const MESSAGE_STATUSES = [
  "draft",
  "pending_approval",
  "approved",
  "sending",
  "sent",
  "failed",
  "cancelled",
  "rejected",
] as const;
export const MessageStatusSchema = z.enum(MESSAGE_STATUSES).meta({ id: "MessageStatus" });
export type MessageStatus = z.infer<typeof MessageStatusSchema>;

/** Largest email text or HTML body, in characters. @default 262_144 */
export const MESSAGE_BODY_MAX = 262_144;
/** Largest webhook payload, as UTF-8 JSON bytes. @default 262_144 */
export const WEBHOOK_PAYLOAD_MAX_BYTES = 262_144;
/** Evidence refs one message may carry. */
export const EVIDENCE_REFS_MAX = 20;

export const EvidenceRefSchema = z.strictObject({
  kind: text().trim().min(1).max(64),
  id: text().trim().min(1).max(256),
});
export type EvidenceRef = z.infer<typeof EvidenceRefSchema>;

const commonCreateFields = {
  /** One logical message per (contact or endpoint, key): a repeat answers the first message. */
  dedupeKey: text().trim().min(1).max(200).optional(),
  /** Not before this time. */
  sendAt: timestamp().optional(),
  evidenceRefs: z.array(EvidenceRefSchema).max(EVIDENCE_REFS_MAX).optional(),
};

const emailCreate = z.strictObject({
  channel: z.literal("email"),
  contactId: z.uuid(),
  subject: text().trim().min(1).max(998),
  text: text().min(1).max(MESSAGE_BODY_MAX),
  html: text().min(1).max(MESSAGE_BODY_MAX).optional(),
  ...commonCreateFields,
});
const webhookCreate = z.strictObject({
  channel: z.literal("webhook"),
  endpointId: z.uuid(),
  eventType: text()
    .trim()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9_.:-]+$/, "must be letters, digits and . _ : -"),
  payload: jsonObjectOfAtMost(WEBHOOK_PAYLOAD_MAX_BYTES),
  ...commonCreateFields,
});

export const CreateMessageBody = z.discriminatedUnion("channel", [emailCreate, webhookCreate]);
export type CreateMessageBody = z.infer<typeof CreateMessageBody>;
export const CreateMessageRequest = z.discriminatedUnion("channel", [
  emailCreate.extend({ projectId: z.uuid() }),
  webhookCreate.extend({ projectId: z.uuid() }),
]);

export const ATTEMPT_OUTCOMES = ["started", "sent", "failed", "retry", "unknown"] as const;
export const AttemptSchema = z
  .object({
    id: z.uuid(),
    at: timestamp(),
    /** `started`: in flight (or its worker died before it could say); `unknown`: it may have gone out. */
    outcome: z.enum(ATTEMPT_OUTCOMES),
    code: z.number().int().nullable(),
    providerMessageId: text().nullable(),
    error: text().nullable(),
    finishedAt: timestamp().nullable(),
  })
  .meta({ id: "Attempt" });
export type Attempt = z.infer<typeof AttemptSchema>;

export const MessageSchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid().nullable(),
    channel: z.enum(["email", "webhook"]),
    status: MessageStatusSchema,
    /** A platform email (password reset, verification, invitation): no contact, no approval. */
    system: z.boolean(),
    contactId: z.uuid().nullable(),
    endpointId: z.uuid().nullable(),
    subject: text().nullable(),
    eventType: text().nullable(),
    dedupeKey: text().nullable(),
    sendAt: timestamp().nullable(),
    /** When the delivery is due (after quiet hours and caps); null until it is approved. */
    dueAt: timestamp().nullable(),
    evidenceRefs: z.array(z.object({ kind: text(), id: text() })),
    createdBy: text(),
    approvedBy: text().nullable(),
    /** Why it was rejected, cancelled or failed. */
    reason: text().nullable(),
    /** The latest attempt is `unknown`: it may have been delivered; a person decides. */
    needsAttention: z.boolean(),
    attempts: z.array(AttemptSchema),
    createdAt: timestamp(),
    updatedAt: timestamp(),
  })
  .meta({ id: "Message" });
export type Message = z.infer<typeof MessageSchema>;

/** A message in a list: without its attempts. */
export const MessageSummarySchema = MessageSchema.omit({ attempts: true }).meta({ id: "MessageSummary" });
export const MessagePageSchema = pageSchema(MessageSummarySchema);
export const ListMessagesQuery = PageQuerySchema.extend({ status: MessageStatusSchema.optional() });
export const MessageParams = z.strictObject({ projectId: z.uuid(), messageId: z.uuid() });

/**
 * `mark-sent`, `mark-failed` and `resend` settle a message that needs attention (its latest attempt
 * is `unknown`): a person has checked whether it arrived.
 */
export const MESSAGE_ACTIONS = [
  "submit",
  "approve",
  "reject",
  "cancel",
  "mark-sent",
  "mark-failed",
  "resend",
] as const;
export const MessageActionParams = z.strictObject({
  projectId: z.uuid(),
  messageId: z.uuid(),
  action: z.enum(MESSAGE_ACTIONS),
});
export const MessageActionBody = z.strictObject({ reason: text().trim().min(1).max(1_000).optional() });
export const MessageActionRequest = z.strictObject({
  projectId: z.uuid(),
  messageId: z.uuid(),
  action: z.enum(MESSAGE_ACTIONS),
  reason: text().trim().min(1).max(1_000).optional(),
});

// ---------------------------------------------------------------- unsubscribe

/** An unsubscribe token: base64url of 32 random bytes. */
export const UnsubscribeParams = z.strictObject({
  token: text()
    .min(16)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/),
});
export const UnsubscribeRequest = z.strictObject({
  token: text()
    .min(16)
    .max(128)
    .regex(/^[A-Za-z0-9_-]+$/),
  raw: RawBodySchema.optional(),
});
/** An HTML page the gateway sends as `text/html` with a strict Content-Security-Policy. */
export const HtmlPageSchema = z.object({ html: text() });
