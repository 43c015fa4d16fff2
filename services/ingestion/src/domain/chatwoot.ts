import type { ItemKind } from "@tessera/contracts";
import type { ChatwootSettings } from "./source-config.ts";

/**
 * Chatwoot records as items. Push (Chatwoot's webhooks) and polling (the connector, which reads the
 * API) meet the same record in two spellings; both become one canonical record under one stable id,
 * so the item's content hash is the same whichever path brought it first, and neither doubles it.
 * Conversation ids in the API are per-account display ids.
 */

export function chatwootMessageId(accountId: number, messageId: number): string {
  return `cw:${accountId}:msg:${messageId}`;
}

export function chatwootConversationId(accountId: number, displayId: number): string {
  return `cw:${accountId}:conv:${displayId}`;
}

/** The canonical content type of a Chatwoot item's body. */
export const CHATWOOT_ITEM_CONTENT_TYPE = "application/json";

/** `message_type` as the API numbers it (webhooks spell it out). */
const MESSAGE_TYPES: Record<string, number> = { incoming: 0, outgoing: 1, activity: 2, template: 3 };

export interface ChatwootMessageRecord {
  readonly accountId: number;
  readonly messageId: number;
  /** The conversation's display id. */
  readonly conversationId: number | null;
  readonly inboxId: number | null;
  /** 0 incoming (from the contact), 1 outgoing, 2 activity, 3 template. */
  readonly messageType: number | null;
  readonly contentType: string | null;
  readonly content: string | null;
  readonly private: boolean;
  readonly sender: { readonly type: string | null; readonly id: number | null };
  /** Seconds since the epoch (the API's integer; a webhook's ISO time, floored). */
  readonly createdAt: number | null;
}

export interface ChatwootConversationRecord {
  readonly accountId: number;
  readonly conversationId: number;
  readonly inboxId: number | null;
  readonly status: string | null;
  readonly contactId: number | null;
  readonly assigneeId: number | null;
  readonly labels: readonly string[];
  readonly createdAt: number | null;
}

/**
 * Who wrote a message, as far as Chatwoot said. Not part of the stored record: the email is
 * personal data, which travels only (sealed in the store) in the message's event.
 */
export interface ChatwootContact {
  readonly id: number | null;
  readonly email: string | null;
}

export interface ChatwootItem {
  readonly externalId: string;
  readonly kind: ItemKind;
  readonly record: ChatwootMessageRecord | ChatwootConversationRecord;
  /** A message's contact (its sender when that is a contact, else the conversation's contact). */
  readonly contact?: ChatwootContact;
}

type Json = Record<string, unknown>;

const objectAt = (value: unknown): Json | null =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : null;
const intAt = (value: unknown): number | null =>
  typeof value === "number" && Number.isSafeInteger(value) ? value : null;
const textAt = (value: unknown): string | null => (typeof value === "string" ? value : null);

function secondsAt(value: unknown): number | null {
  if (typeof value === "number" && Number.isFinite(value)) return Math.floor(value);
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

function messageTypeAt(value: unknown): number | null {
  return intAt(value) ?? (typeof value === "string" ? (MESSAGE_TYPES[value] ?? null) : null);
}

/** A message from a webhook payload or an API list entry; null without a message id. */
export function chatwootMessageRecord(accountId: number, message: Json): ChatwootMessageRecord | null {
  const messageId = intAt(message.id);
  if (messageId === null) return null;
  const sender = objectAt(message.sender);
  const conversation = objectAt(message.conversation);
  return {
    accountId,
    messageId,
    // The API says `conversation_id`; a webhook nests the conversation, whose `id` is the display id.
    conversationId:
      intAt(message.conversation_id) ?? intAt(conversation?.display_id) ?? intAt(conversation?.id),
    inboxId: intAt(message.inbox_id) ?? intAt(objectAt(message.inbox)?.id),
    messageType: messageTypeAt(message.message_type),
    contentType: textAt(message.content_type),
    content: textAt(message.content),
    private: message.private === true,
    sender: { type: textAt(sender?.type), id: intAt(sender?.id) },
    createdAt: secondsAt(message.created_at),
  };
}

/**
 * A conversation from a webhook payload or an API list entry; null without a display id. Chatwoot's
 * payloads name it `id` (or `display_id` where both ids are given).
 */
export function chatwootConversationRecord(
  accountId: number,
  conversation: Json,
): ChatwootConversationRecord | null {
  const conversationId = intAt(conversation.display_id) ?? intAt(conversation.id);
  if (conversationId === null) return null;
  const meta = objectAt(conversation.meta);
  const labels = Array.isArray(conversation.labels)
    ? conversation.labels.filter((label): label is string => typeof label === "string").sort()
    : [];
  return {
    accountId,
    conversationId,
    inboxId: intAt(conversation.inbox_id),
    status: textAt(conversation.status),
    contactId: intAt(objectAt(meta?.sender)?.id),
    assigneeId: intAt(objectAt(meta?.assignee)?.id),
    labels,
    createdAt: secondsAt(conversation.created_at),
  };
}

/** Longest email address kept (RFC 5321's path limit). */
const EMAIL_MAX_LENGTH = 320;

function emailAt(value: unknown): string | null {
  const email = textAt(value)?.trim();
  if (email === undefined || email === "" || email.length > EMAIL_MAX_LENGTH) return null;
  // Kept out of the event rather than failing its contract: what Postgres cannot store is no address.
  return email.includes("\u0000") || !email.isWellFormed() ? null : email;
}

/** A contact as Chatwoot gives one (`sender`, `meta.sender`, `meta.contact`): its id and email. */
export function chatwootContactAt(value: unknown): ChatwootContact | null {
  const contact = objectAt(value);
  if (contact === null) return null;
  return { id: intAt(contact.id), email: emailAt(contact.email) };
}

/**
 * The contact of a message: its sender when Chatwoot says the sender is a contact, else `fallback`
 * (the conversation's contact) for an incoming message, whose writer is always the contact.
 */
export function chatwootMessageContact(
  message: Json,
  fallback: ChatwootContact | null,
): ChatwootContact | undefined {
  const sender = objectAt(message.sender);
  if (sender !== null && textAt(sender.type)?.toLowerCase() === "contact") {
    const id = intAt(sender.id);
    // The conversation's contact may know the email the sender's summary left out: the same person only.
    const known = id !== null && fallback?.id === id ? fallback.email : null;
    return { id, email: emailAt(sender.email) ?? known };
  }
  return messageTypeAt(message.message_type) === 0 ? (fallback ?? undefined) : undefined;
}

/** A message item from a webhook payload or an API list entry; null without a message id. */
export function chatwootMessageItem(
  accountId: number,
  message: Json,
  conversationContact: ChatwootContact | null,
): ChatwootItem | null {
  const record = chatwootMessageRecord(accountId, message);
  if (record === null) return null;
  const contact = chatwootMessageContact(message, conversationContact);
  return {
    externalId: chatwootMessageId(accountId, record.messageId),
    kind: "message",
    record,
    ...(contact === undefined ? {} : { contact }),
  };
}

/** A conversation's record as its item, under its display id. */
export function conversationItemOf(record: ChatwootConversationRecord): ChatwootItem {
  return {
    externalId: chatwootConversationId(record.accountId, record.conversationId),
    kind: "conversation",
    record,
  };
}

/** A conversation item from a webhook payload or an API list entry; null without a display id. */
export function chatwootConversationItem(accountId: number, conversation: Json): ChatwootItem | null {
  const record = chatwootConversationRecord(accountId, conversation);
  return record === null ? null : conversationItemOf(record);
}

/** The account a webhook payload names, when it names one. */
function payloadAccount(payload: Json): number | null {
  return (
    intAt(objectAt(payload.account)?.id) ??
    intAt(payload.account_id) ??
    intAt(objectAt(payload.conversation)?.account_id)
  );
}

const MESSAGE_EVENTS = new Set(["message_created", "message_updated"]);
const CONVERSATION_EVENTS = new Set([
  "conversation_created",
  "conversation_updated",
  "conversation_status_changed",
]);

export type ChatwootPushOutcome =
  | { readonly stored: ChatwootItem }
  | { readonly ignored: "event" | "account" | "inbox" | "incomplete" };

/**
 * What a verified Chatwoot webhook means for this source: a message or conversation item, or
 * nothing (another event, another account, an inbox the source does not read).
 */
export function chatwootPushItem(payload: Json, settings: ChatwootSettings): ChatwootPushOutcome {
  const event = textAt(payload.event) ?? "";
  const named = payloadAccount(payload);
  if (named !== null && named !== settings.accountId) return { ignored: "account" };
  const { accountId } = settings;
  let item: ChatwootItem | null = null;
  if (MESSAGE_EVENTS.has(event)) {
    const conversationMeta = objectAt(objectAt(payload.conversation)?.meta);
    item = chatwootMessageItem(accountId, payload, chatwootContactAt(conversationMeta?.sender));
  } else if (CONVERSATION_EVENTS.has(event)) {
    item = chatwootConversationItem(accountId, payload);
  } else {
    return { ignored: "event" };
  }
  if (item === null) return { ignored: "incomplete" };
  const inbox = item.record.inboxId;
  if (settings.inboxIds !== null && (inbox === null || !settings.inboxIds.includes(inbox))) {
    return { ignored: "inbox" };
  }
  return { stored: item };
}

/**
 * What `evt.ingestion.message.received` says about a message, or null: only an incoming, public
 * message (`message_type` 0, written by the contact) is a reply outbound must notice.
 */
export interface IncomingMessageFacts {
  readonly accountId: number;
  readonly conversationId: number | null;
  readonly messageId: number;
  readonly inboxId: number | null;
  readonly contactId: number | null;
  readonly contactEmail: string | null;
  /** Seconds since the epoch, as Chatwoot gives it. */
  readonly sentAt: number | null;
}

export function incomingMessageFacts(item: ChatwootItem): IncomingMessageFacts | null {
  const { record } = item;
  if (item.kind !== "message" || !("messageId" in record)) return null;
  if (record.messageType !== 0 || record.private) return null;
  const contactId = item.contact?.id ?? null;
  return {
    accountId: record.accountId,
    conversationId: record.conversationId,
    messageId: record.messageId,
    inboxId: record.inboxId,
    contactId,
    // Sealed under the contact's key, so without a contact there is no key to seal it with.
    contactEmail: contactId === null ? null : (item.contact?.email ?? null),
    sentAt: record.createdAt,
  };
}

/** The record as stored and hashed: fixed key order, so equal records give equal bytes. */
export function chatwootItemBody(item: ChatwootItem): Buffer {
  return Buffer.from(JSON.stringify(item.record), "utf8");
}
