import type { ColumnType, Selectable } from "kysely";
import type { SourcesDb } from "./sources.tables.ts";

/** A bigint column read as a number (Chatwoot ids and epoch seconds fit in 2^53). */
type BigInt = ColumnType<string, number, number>;
type NullableBigInt = ColumnType<string | null, number | null, number | null>;
type Timestamp = ColumnType<Date, string, string>;

export interface ChatwootSyncStateTable {
  source_id: string;
  project_id: string;
  /** The installation, account and inboxes the cursor was taken under; another scope starts over. */
  scope: string;
  /** The compound cursor: the last conversation committed, by (last activity, display id). */
  cursor_activity_at: NullableBigInt;
  cursor_conversation_id: NullableBigInt;
  /** Chatwoot's `Retry-After`: no request before this. */
  not_before: ColumnType<Date | null, string | null, string | null>;
  updated_at: Timestamp;
}

export interface ChatwootConversationSyncTable {
  source_id: string;
  project_id: string;
  conversation_id: BigInt;
  /** `last_activity_at` and `updated_at` as last synced: unchanged, its messages are not read again. */
  activity_at: BigInt;
  updated_at: number | null;
  /** Messages are read again after this id: the overlap window before the newest one seen. */
  message_anchor_id: BigInt;
}

export interface SourceSchedulesTable {
  source_id: string;
  schedule_id: string;
  cron: string;
}

/** The sources area's tables and the connector's. */
export type SyncDb = SourcesDb & {
  chatwoot_sync_state: ChatwootSyncStateTable;
  chatwoot_conversation_sync: ChatwootConversationSyncTable;
  source_schedules: SourceSchedulesTable;
};

export type SyncStateRow = Selectable<ChatwootSyncStateTable>;
export type ConversationSyncRow = Selectable<ChatwootConversationSyncTable>;
