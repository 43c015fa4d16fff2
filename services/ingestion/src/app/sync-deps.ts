import type { EgressClient } from "@tessera/egress";
import type { Kysely } from "kysely";
import type { SyncDb } from "../infra/sync.tables.ts";
import type { SourcesDeps } from "./sources-deps.ts";

export interface SyncSettings {
  /** How far below the cursor a run reads again, in seconds (Chatwoot's times are whole seconds). */
  readonly overlapSeconds: number;
  /** Conversations committed per transaction, each batch with the cursor at its last one. */
  readonly batchSize: number;
  /** The longest a run waits out Chatwoot's `Retry-After` before asking again, in ms. */
  readonly maxRateLimitWaitMs: number;
}

/** What the Chatwoot connector is built from; wired once in register-sync.ts. */
export interface SyncDeps extends Omit<SourcesDeps, "db"> {
  readonly db: Kysely<SyncDb>;
  /** Every request to a tenant's Chatwoot goes through the egress guard. */
  readonly egress: EgressClient;
  readonly sync: SyncSettings;
}
