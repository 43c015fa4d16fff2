import type { ItemKind, SourceType } from "@tessera/contracts";
import type { ColumnType, Selectable } from "kysely";
import type { PublicConfig, SourceSettings } from "../domain/source-config.ts";
import type { SourceSecrets } from "../domain/source-secrets.ts";

type Timestamp = ColumnType<Date, string, string>;
type Json<T> = ColumnType<T, string, string>;

export interface SourcesTable {
  id: string;
  project_id: string;
  type: SourceType;
  name: string;
  paused: boolean;
  config: Json<PublicConfig>;
  settings: Json<SourceSettings>;
  secrets: Json<SourceSecrets>;
  last_sync_at: ColumnType<Date | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SourceBindingsTable {
  account_key: string;
  scope: string;
  source_id: string;
  project_id: string;
}

export interface ItemsTable {
  id: string;
  project_id: string;
  source_id: string;
  external_id: string;
  kind: ItemKind;
  revision: number;
  content_hash: string;
  content_type: string;
  bytes: number;
  first_received_at: Timestamp;
  received_at: Timestamp;
}

export interface ItemRevisionsTable {
  item_id: string;
  revision: number;
  project_id: string;
  source_id: string;
  content_hash: string;
  content_type: string;
  headers: Json<Record<string, string>>;
  body: Buffer;
  received_at: Timestamp;
}

export interface HookDeliveriesTable {
  source_id: string;
  delivery_id: string;
  received_at: Timestamp;
}

/** An identity-hook delivery id remembered for the dedupe window, and what became of it. */
export interface IdentityHookDeliveriesTable {
  issuer: string;
  delivery_id: string;
  received_at: Timestamp;
  outcome: "applied" | "ignored";
  /** The provider's event type, when the body named one. */
  event_type: string | null;
}

/** The tables of the sources area in the `ingestion` schema. */
export type SourcesDb = {
  sources: SourcesTable;
  source_bindings: SourceBindingsTable;
  items: ItemsTable;
  item_revisions: ItemRevisionsTable;
  hook_deliveries: HookDeliveriesTable;
  identity_hook_deliveries: IdentityHookDeliveriesTable;
};

export type SourceRow = Selectable<SourcesTable>;
export type ItemRow = Selectable<ItemsTable>;
