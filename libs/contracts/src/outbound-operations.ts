import { z } from "zod";
import { defineJobType } from "./jobs-schemas.ts";
import { ProjectParams } from "./memory-schemas.ts";
import { defineOperation } from "./messaging.ts";
import {
  ContactPageSchema,
  ContactParams,
  ContactPolicySchema,
  ContactSchema,
  CreateContactRequest,
  CreatedEndpointSchema,
  CreateEndpointRequest,
  CreateMessageRequest,
  EndpointPageSchema,
  EndpointParams,
  HtmlPageSchema,
  ListMessagesQuery,
  MessageActionRequest,
  MessagePageSchema,
  MessageParams,
  MessageSchema,
  OutboundSettingsSchema,
  PutContactPolicyRequest,
  PutOutboundSettingsRequest,
  UnsubscribeRequest,
  UpdateContactRequest,
} from "./outbound-schemas.ts";
import { PageQuerySchema } from "./pagination.ts";

/** The outbound service: contacts, endpoints, messages, unsubscribe; its delivery job. */

export const contactsCreate = defineOperation({
  service: "outbound",
  name: "contacts.create",
  request: CreateContactRequest,
  response: ContactSchema,
});

export const contactsList = defineOperation({
  service: "outbound",
  name: "contacts.list",
  request: PageQuerySchema.extend(ProjectParams.shape),
  response: ContactPageSchema,
});

export const contactsGet = defineOperation({
  service: "outbound",
  name: "contacts.get",
  request: ContactParams,
  response: ContactSchema,
});

export const contactsUpdate = defineOperation({
  service: "outbound",
  name: "contacts.update",
  request: UpdateContactRequest,
  response: ContactSchema,
});

/** The contact's personal fields are shredded (its key destroyed) and its rows go. */
export const contactsDelete = defineOperation({
  service: "outbound",
  name: "contacts.delete",
  request: ContactParams,
  response: z.null(),
});

export const contactPoliciesPut = defineOperation({
  service: "outbound",
  name: "contact-policies.put",
  request: PutContactPolicyRequest,
  response: ContactPolicySchema,
});

export const endpointsCreate = defineOperation({
  service: "outbound",
  name: "endpoints.create",
  request: CreateEndpointRequest,
  response: CreatedEndpointSchema,
});

export const endpointsList = defineOperation({
  service: "outbound",
  name: "endpoints.list",
  request: PageQuerySchema.extend(ProjectParams.shape),
  response: EndpointPageSchema,
});

export const endpointsDelete = defineOperation({
  service: "outbound",
  name: "endpoints.delete",
  request: EndpointParams,
  response: z.null(),
});

export const outboundSettingsGet = defineOperation({
  service: "outbound",
  name: "outbound-settings.get",
  request: ProjectParams,
  response: OutboundSettingsSchema,
});

export const outboundSettingsPut = defineOperation({
  service: "outbound",
  name: "outbound-settings.put",
  request: PutOutboundSettingsRequest,
  response: OutboundSettingsSchema,
});

export const messagesCreate = defineOperation({
  service: "outbound",
  name: "messages.create",
  request: CreateMessageRequest,
  response: MessageSchema,
});

export const messagesList = defineOperation({
  service: "outbound",
  name: "messages.list",
  request: ListMessagesQuery.extend(ProjectParams.shape),
  response: MessagePageSchema,
});

export const messagesGet = defineOperation({
  service: "outbound",
  name: "messages.get",
  request: MessageParams,
  response: MessageSchema,
});

/** `submit`, `approve`, `reject` (with a reason) or `cancel`; an illegal transition is 409. */
export const messagesAct = defineOperation({
  service: "outbound",
  name: "messages.act",
  request: MessageActionRequest,
  response: MessageSchema,
});

/** `GET /v1/unsubscribe/{token}`: the confirmation page; changes nothing. */
export const unsubscribeShow = defineOperation({
  service: "outbound",
  name: "unsubscribe.show",
  request: UnsubscribeRequest,
  response: HtmlPageSchema,
});

/** `POST /v1/unsubscribe/{token}` with `List-Unsubscribe=One-Click` (RFC 8058): the contact opts out. */
export const unsubscribeConfirm = defineOperation({
  service: "outbound",
  name: "unsubscribe.confirm",
  request: UnsubscribeRequest,
  response: HtmlPageSchema,
});

// ---------------------------------------------------------------- job types

/** One delivery of one message: checks, attempt, channel, outcome. */
export const outboundDeliverJob = defineJobType({
  name: "outbound.deliver",
  service: "outbound",
  description: "Delivers one approved (or system) message through its channel.",
  payload: z.strictObject({ messageId: z.uuid() }),
  timeoutMs: 60_000,
  retry: { maxAttempts: 8, initialDelayMs: 5_000, factor: 3, maxDelayMs: 3_600_000, jitter: 0.3 },
  concurrency: 8,
});
