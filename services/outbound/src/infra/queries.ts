import {
  type Attempt,
  type Contact,
  CreatedCursorSchema,
  type CursorPage,
  decodeCursor,
  type Endpoint,
  type Message,
  type MessageStatus,
  pageOf,
} from "@tessera/contracts";
import { createdAfter, createdBefore, createdCursorOfRow } from "@tessera/service-kit";
import type { Kysely, Transaction } from "kysely";
import type { AttemptRow, ContactRow, EndpointRow, MessageRow, OutboundDb } from "./outbound.tables.ts";

type Db = Kysely<OutboundDb> | Transaction<OutboundDb>;

// ---------------------------------------------------------------- contacts

export function findContact(db: Db, projectId: string, contactId: string): Promise<ContactRow | undefined> {
  return db
    .selectFrom("contacts")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", contactId)
    .executeTakeFirst();
}

export function findContactByTokenHash(db: Db, tokenHash: string): Promise<ContactRow | undefined> {
  return db
    .selectFrom("contacts")
    .selectAll()
    .where("unsubscribe_token_hash", "=", tokenHash)
    .executeTakeFirst();
}

/** The project's contacts a reply may come from: by Chatwoot contact id or by the email's blind index. */
export function findRepliers(
  db: Db,
  projectId: string,
  by: { chatwootRef: string | null; emailIndex: string | null },
): Promise<ContactRow[]> {
  return db
    .selectFrom("contacts")
    .selectAll()
    .where("project_id", "=", projectId)
    .where((eb) =>
      eb.or([
        ...(by.chatwootRef === null ? [] : [eb("chatwoot_ref", "=", by.chatwootRef)]),
        ...(by.emailIndex === null ? [] : [eb("email_index", "=", by.emailIndex)]),
      ]),
    )
    .execute();
}

export function contactFromRow(row: ContactRow): Contact {
  return {
    id: row.id,
    projectId: row.project_id,
    email: row.email,
    name: row.name,
    timezone: row.timezone,
    externalRefs: row.external_refs,
    policy: policyFromRow(row),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function policyFromRow(row: ContactRow): Contact["policy"] {
  return {
    optedOut: row.opted_out,
    stopOnReply: row.stop_on_reply,
    maxPerDay: row.max_per_day,
    maxPerWeek: row.max_per_week,
    quietHours: row.quiet_hours,
  };
}

export async function listContacts(
  db: Db,
  projectId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<CursorPage<Contact>> {
  const query = db
    .selectFrom("contacts")
    .selectAll()
    .where("project_id", "=", projectId)
    .where(createdAfter(decodeCursor(CreatedCursorSchema, page.cursor)));
  const rows = await query
    .orderBy("created_at")
    .orderBy("id")
    .limit(page.limit + 1)
    .execute();
  return pageOf(rows, page.limit, contactFromRow, createdCursorOfRow);
}

/** When the contact's messages were sent, the last week of them: what the rolling caps count. */
export async function sentTimes(db: Db, contactId: string, since: Date): Promise<Date[]> {
  const rows = await db
    .selectFrom("messages")
    .select("sent_at")
    .where("contact_id", "=", contactId)
    .where("sent_at", ">", since)
    .execute();
  return rows.flatMap((row) => (row.sent_at ? [row.sent_at] : []));
}

// ---------------------------------------------------------------- endpoints

export function findEndpoint(
  db: Db,
  projectId: string,
  endpointId: string,
): Promise<EndpointRow | undefined> {
  return db
    .selectFrom("endpoints")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", endpointId)
    .executeTakeFirst();
}

export function endpointFromRow(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    projectId: row.project_id,
    url: row.url,
    status: row.status,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at.toISOString(),
  };
}

export async function listEndpoints(
  db: Db,
  projectId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<CursorPage<Endpoint>> {
  const query = db
    .selectFrom("endpoints")
    .selectAll()
    .where("project_id", "=", projectId)
    .where(createdAfter(decodeCursor(CreatedCursorSchema, page.cursor)));
  const rows = await query
    .orderBy("created_at")
    .orderBy("id")
    .limit(page.limit + 1)
    .execute();
  return pageOf(rows, page.limit, endpointFromRow, createdCursorOfRow);
}

export async function fourEyesOf(db: Db, projectId: string): Promise<boolean> {
  const row = await db
    .selectFrom("project_settings")
    .select("four_eyes")
    .where("project_id", "=", projectId)
    .executeTakeFirst();
  return row?.four_eyes ?? false;
}

// ---------------------------------------------------------------- messages

/** A message of the project; `null` project: a platform email. */
export function findMessage(
  db: Db,
  projectId: string | null,
  messageId: string,
): Promise<MessageRow | undefined> {
  return db
    .selectFrom("messages")
    .selectAll()
    .where("id", "=", messageId)
    .where((eb) => (projectId === null ? eb("project_id", "is", null) : eb("project_id", "=", projectId)))
    .executeTakeFirst();
}

export function findMessageById(db: Db, messageId: string): Promise<MessageRow | undefined> {
  return db.selectFrom("messages").selectAll().where("id", "=", messageId).executeTakeFirst();
}

export function findByDedupeKey(db: Db, scope: string, dedupeKey: string): Promise<MessageRow | undefined> {
  return db
    .selectFrom("messages")
    .selectAll()
    .where("dedupe_scope", "=", scope)
    .where("dedupe_key", "=", dedupeKey)
    .executeTakeFirst();
}

export function attemptsOf(db: Db, messageId: string): Promise<AttemptRow[]> {
  return db
    .selectFrom("attempts")
    .selectAll()
    .where("message_id", "=", messageId)
    .orderBy("at")
    .orderBy("id")
    .execute();
}

function attemptFromRow(row: AttemptRow): Attempt {
  return {
    id: row.id,
    at: row.at.toISOString(),
    outcome: row.outcome,
    code: row.code,
    providerMessageId: row.provider_message_id,
    error: row.error,
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

export function messageSummaryFromRow(row: MessageRow): Omit<Message, "attempts"> {
  return {
    id: row.id,
    projectId: row.project_id,
    channel: row.channel,
    status: row.status,
    system: row.system,
    contactId: row.contact_id,
    endpointId: row.endpoint_id,
    subject: row.subject,
    eventType: row.event_type,
    dedupeKey: row.dedupe_key,
    sendAt: row.send_at?.toISOString() ?? null,
    dueAt: row.due_at?.toISOString() ?? null,
    evidenceRefs: row.evidence_refs,
    createdBy: row.created_by,
    approvedBy: row.approved_by,
    reason: row.reason,
    needsAttention: row.needs_attention,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function messageWithAttempts(db: Db, row: MessageRow): Promise<Message> {
  const attempts = await attemptsOf(db, row.id);
  return { ...messageSummaryFromRow(row), attempts: attempts.map(attemptFromRow) };
}

export async function listMessages(
  db: Db,
  projectId: string,
  page: { limit: number; cursor?: string | undefined; status?: MessageStatus | undefined },
): Promise<CursorPage<Omit<Message, "attempts">>> {
  let query = db
    .selectFrom("messages")
    .selectAll()
    .where("project_id", "=", projectId)
    .where(createdBefore(decodeCursor(CreatedCursorSchema, page.cursor)));
  if (page.status) query = query.where("status", "=", page.status);
  const rows = await query
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
  return pageOf(rows, page.limit, messageSummaryFromRow, createdCursorOfRow);
}
