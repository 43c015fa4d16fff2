import type { StoredEvent } from "@tessera/eventstore";
import type { Transaction } from "kysely";
import type { ContactEvent, ContactFields } from "../domain/contact.ts";
import type { EndpointEvent, SettingsEvent } from "../domain/endpoint.ts";
import type { MessageContent, MessageEvent } from "../domain/message.ts";
import type { OutboundDb } from "./outbound.tables.ts";

type Trx = Transaction<OutboundDb>;

type Policy = Extract<ContactEvent, { type: "outbound.contact.policy-changed" }>["data"]["policy"];

/** The contact's own columns, as its creation and its updates write them. */
function contactColumns(e: ContactFields) {
  return {
    email: e.email,
    name: e.name,
    timezone: e.timezone,
    external_refs: JSON.stringify(e.externalRefs),
    chatwoot_ref: e.externalRefs.chatwoot ?? null,
    email_index: e.emailIndex,
  };
}

/** The policy's columns, as the contact's creation and a policy change write them. */
function policyColumns(policy: Policy) {
  return {
    opted_out: policy.optedOut,
    stop_on_reply: policy.stopOnReply,
    max_per_day: policy.maxPerDay,
    max_per_week: policy.maxPerWeek,
    quiet_hours: policy.quietHours ? JSON.stringify(policy.quietHours) : null,
  };
}

/** Inline projection of contact events: the `contacts` row (gone with the contact). */
export async function projectContactEvents(
  trx: Trx,
  events: readonly StoredEvent<ContactEvent>[],
): Promise<void> {
  for (const event of events) {
    const d = event.data;
    switch (event.type) {
      case "outbound.contact.created": {
        const e = event.data;
        await trx
          .insertInto("contacts")
          .values({
            id: d.contactId,
            project_id: d.projectId,
            ...contactColumns(e),
            unsubscribe_token_hash: e.unsubscribeTokenHash,
            unsubscribe_token: JSON.stringify(e.unsubscribeToken),
            ...policyColumns(e.policy),
            created_at: e.createdAt,
            updated_at: e.createdAt,
          })
          .execute();
        break;
      }
      case "outbound.contact.updated": {
        const e = event.data;
        await trx
          .updateTable("contacts")
          .set({ ...contactColumns(e), updated_at: e.updatedAt })
          .where("id", "=", d.contactId)
          .execute();
        break;
      }
      case "outbound.contact.policy-changed": {
        const { policy, changedAt } = event.data;
        await trx
          .updateTable("contacts")
          .set({ ...policyColumns(policy), updated_at: changedAt })
          .where("id", "=", d.contactId)
          .execute();
        break;
      }
      case "outbound.contact.deleted":
        await trx.deleteFrom("contacts").where("id", "=", d.contactId).execute();
        // What was written to the contact is as personal as its address: the copies here go too.
        await trx
          .updateTable("messages")
          .set({ subject: null, text: null, html: null, to_address: null })
          .where("contact_id", "=", d.contactId)
          .execute();
        break;
    }
  }
}

export async function projectEndpointEvents(
  trx: Trx,
  events: readonly StoredEvent<EndpointEvent>[],
): Promise<void> {
  for (const event of events) {
    switch (event.type) {
      case "outbound.endpoint.created":
        await trx
          .insertInto("endpoints")
          .values({
            id: event.data.endpointId,
            project_id: event.data.projectId,
            url: event.data.url,
            status: "active",
            disabled_reason: null,
            secret: JSON.stringify(event.data.secret),
            created_at: event.data.createdAt,
          })
          .execute();
        break;
      case "outbound.endpoint.disabled":
        await trx
          .updateTable("endpoints")
          .set({ status: "disabled", disabled_reason: event.data.reason })
          .where("id", "=", event.data.endpointId)
          .execute();
        break;
      case "outbound.endpoint.deleted":
        await trx.deleteFrom("endpoints").where("id", "=", event.data.endpointId).execute();
        break;
    }
  }
}

export async function projectSettingsEvents(
  trx: Trx,
  events: readonly StoredEvent<SettingsEvent>[],
): Promise<void> {
  for (const event of events) {
    await trx
      .insertInto("project_settings")
      .values({ project_id: event.data.projectId, four_eyes: event.data.fourEyes })
      .onConflict((oc) => oc.column("project_id").doUpdateSet({ four_eyes: event.data.fourEyes }))
      .execute();
  }
}

/** Content that was erased reads as a placeholder string, not an object. */
function contentOf(content: unknown): MessageContent | null {
  return typeof content === "object" && content !== null ? (content as MessageContent) : null;
}

export async function projectMessageEvents(
  trx: Trx,
  events: readonly StoredEvent<MessageEvent>[],
): Promise<void> {
  for (const event of events) await projectMessageEvent(trx, event);
}

async function projectMessageEvent(trx: Trx, event: StoredEvent<MessageEvent>): Promise<void> {
  const d = event.data;
  const messages = () => trx.updateTable("messages").where("id", "=", d.messageId);
  switch (event.type) {
    case "outbound.message.created": {
      const e = event.data;
      const content = contentOf(e.content);
      const email = content?.channel === "email" ? content : null;
      const webhook = content?.channel === "webhook" ? content : null;
      await trx
        .insertInto("messages")
        .values({
          id: e.messageId,
          project_id: e.projectId,
          channel: e.channel,
          status: "draft",
          system: e.system,
          contact_id: e.contactId,
          endpoint_id: e.endpointId,
          to_address: email?.to ?? null,
          subject: email?.subject ?? null,
          text: email?.text ?? null,
          html: email?.html ?? null,
          event_type: webhook?.eventType ?? null,
          payload: webhook ? JSON.stringify(webhook.payload) : null,
          dedupe_scope:
            e.dedupeKey === null ? null : dedupeScope(e.projectId, e.contactId ?? e.endpointId ?? "system"),
          dedupe_key: e.dedupeKey,
          send_at: e.sendAt,
          due_at: null,
          evidence_refs: JSON.stringify(e.evidenceRefs),
          created_by: e.actor,
          approved_by: null,
          reason: null,
          needs_attention: false,
          created_at: e.at,
          updated_at: e.at,
        })
        .execute();
      return;
    }
    case "outbound.message.approved":
      await messages()
        .set({ status: d.status, approved_by: d.actor, due_at: event.data.dueAt, updated_at: d.at })
        .execute();
      return;
    case "outbound.message.rejected":
    case "outbound.message.cancelled":
    case "outbound.message.failed":
      await messages()
        .set({
          status: d.status,
          reason: event.data.reason,
          evidence_refs: JSON.stringify(d.evidenceRefs),
          updated_at: d.at,
        })
        .execute();
      return;
    case "outbound.message.sent":
      await messages().set({ status: d.status, sent_at: d.at, updated_at: d.at }).execute();
      return;
    case "outbound.message.attempt-started":
      await trx
        .insertInto("attempts")
        .values({
          id: event.data.attemptId,
          message_id: d.messageId,
          at: d.at,
          outcome: "started",
          code: null,
          provider_message_id: null,
          error: null,
          finished_at: null,
        })
        .execute();
      await messages().set({ status: d.status, updated_at: d.at }).execute();
      return;
    case "outbound.message.attempt-finished": {
      const e = event.data;
      await trx
        .updateTable("attempts")
        .set({
          outcome: e.outcome,
          code: e.code,
          provider_message_id: e.providerMessageId,
          error: e.error,
          finished_at: e.at,
        })
        .where("id", "=", e.attemptId)
        .execute();
      await messages()
        .set({ status: d.status, needs_attention: e.outcome === "unknown", updated_at: d.at })
        .execute();
      return;
    }
    case "outbound.message.submitted":
      await messages().set({ status: d.status, updated_at: d.at }).execute();
      return;
    case "outbound.message.attempt-settled": {
      const e = event.data;
      // The person who settled it is on record; a resend is approved by them and due again.
      await messages()
        .set({
          status: d.status,
          needs_attention: false,
          ...(e.resolution === "resend" ? { approved_by: d.actor, due_at: e.dueAt } : {}),
          updated_at: d.at,
        })
        .execute();
      return;
    }
  }
}

/** What a dedupe key is unique within: the message's project and its contact, endpoint or the platform. */
export function dedupeScope(projectId: string | null, target: string): string {
  return `${projectId ?? "platform"}:${target}`;
}
