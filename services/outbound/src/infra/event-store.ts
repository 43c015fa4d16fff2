import { eventStores, type PersonalDataPolicy } from "@tessera/eventstore";

export const OUTBOUND_SCHEMA = "outbound";

/** The personal-data subject of a contact (and of every message to it): its own key. */
export function contactSubject(contactId: string): string {
  return contactId;
}

/** A platform email has no contact: its address and content are sealed under a key of its own. */
export function systemMessageSubject(messageId: string): string {
  return `system-message:${messageId}`;
}

const CONTACT_FIELDS = ["email", "name"];

/**
 * A contact's email and name are sealed under its key; so is the content of every message to it
 * (subject, bodies, payload), so deleting the contact forgets what was written to it as well.
 */
const outboundPersonalData: PersonalDataPolicy = (event) => {
  const data = event.data as Record<string, unknown> | null;
  if (typeof data !== "object" || data === null) return undefined;
  if (event.type === "outbound.contact.created" || event.type === "outbound.contact.updated") {
    return typeof data.contactId === "string"
      ? { subjectId: contactSubject(data.contactId), fields: CONTACT_FIELDS }
      : undefined;
  }
  if (event.type !== "outbound.message.created") return undefined;
  if (typeof data.contactId === "string")
    return { subjectId: contactSubject(data.contactId), fields: ["content"] };
  if (data.system === true && typeof data.messageId === "string") {
    return { subjectId: systemMessageSubject(data.messageId), fields: ["content"] };
  }
  return undefined;
};

export const outboundStores = eventStores({ schema: OUTBOUND_SCHEMA, personalData: outboundPersonalData });
