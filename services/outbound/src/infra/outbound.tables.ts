import type { Attempt, EvidenceRef, MessageStatus, QuietHours } from "@tessera/contracts";
import type { SealedSecret } from "@tessera/service-kit";
import type { ColumnType, Selectable } from "kysely";

type Timestamp = ColumnType<Date, string, string>;
type NullableTimestamp = ColumnType<Date | null, string | null | undefined, string | null>;
type Json<T> = ColumnType<T, string, string>;

export interface ContactsTable {
  id: string;
  project_id: string;
  email: string | null;
  name: string | null;
  timezone: string | null;
  external_refs: Json<Record<string, string>>;
  chatwoot_ref: string | null;
  /** HMAC of the normalised email under `OUTBOUND_INDEX_KEY`: matches replies without the plaintext. */
  email_index: string | null;
  /** sha256 (hex) of the contact's unsubscribe token. */
  unsubscribe_token_hash: string;
  /** The token itself, sealed with the key ring: each email's link carries it. */
  unsubscribe_token: Json<SealedSecret>;
  opted_out: boolean;
  stop_on_reply: boolean;
  max_per_day: number | null;
  max_per_week: number | null;
  quiet_hours: ColumnType<QuietHours | null, string | null, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EndpointsTable {
  id: string;
  project_id: string;
  url: string;
  status: "active" | "disabled";
  disabled_reason: string | null;
  secret: Json<SealedSecret>;
  created_at: Timestamp;
}

export interface ProjectSettingsTable {
  project_id: string;
  four_eyes: boolean;
}

export interface MessagesTable {
  id: string;
  project_id: string | null;
  channel: "email" | "webhook";
  status: MessageStatus;
  system: boolean;
  contact_id: string | null;
  endpoint_id: string | null;
  to_address: string | null;
  subject: string | null;
  text: string | null;
  html: string | null;
  event_type: string | null;
  payload: ColumnType<Record<string, unknown> | null, string | null, string | null>;
  dedupe_scope: string | null;
  dedupe_key: string | null;
  send_at: NullableTimestamp;
  due_at: NullableTimestamp;
  evidence_refs: Json<EvidenceRef[]>;
  created_by: string;
  approved_by: string | null;
  reason: string | null;
  needs_attention: boolean;
  sent_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AttemptsTable {
  id: string;
  message_id: string;
  at: Timestamp;
  outcome: Attempt["outcome"];
  code: number | null;
  provider_message_id: string | null;
  error: string | null;
  finished_at: NullableTimestamp;
}

export type OutboundDb = {
  contacts: ContactsTable;
  endpoints: EndpointsTable;
  project_settings: ProjectSettingsTable;
  messages: MessagesTable;
  attempts: AttemptsTable;
};

export type ContactRow = Selectable<ContactsTable>;
export type EndpointRow = Selectable<EndpointsTable>;
export type MessageRow = Selectable<MessagesTable>;
export type AttemptRow = Selectable<AttemptsTable>;
