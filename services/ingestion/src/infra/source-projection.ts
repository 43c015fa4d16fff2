import type { StoredEvent } from "@tessera/eventstore";
import type { Transaction } from "kysely";
import type { SourceEvent } from "../domain/source.ts";
import { externalBinding, type SourceSettings } from "../domain/source-config.ts";
import type { SourcesDb } from "./sources.tables.ts";

type Trx = Transaction<SourcesDb>;

async function bind(trx: Trx, sourceId: string, projectId: string, settings: SourceSettings): Promise<void> {
  await trx.deleteFrom("source_bindings").where("source_id", "=", sourceId).execute();
  const binding = externalBinding(settings);
  if (binding === null) return;
  await trx
    .insertInto("source_bindings")
    .values(
      binding.scopes.map((scope) => ({
        account_key: binding.accountKey,
        scope,
        source_id: sourceId,
        project_id: projectId,
      })),
    )
    .execute();
}

/** Inline projection of source events: the `sources` row and its external bindings. */
export async function projectSourceEvents(
  trx: Trx,
  events: readonly StoredEvent<SourceEvent>[],
): Promise<void> {
  for (const event of events) await projectSourceEvent(trx, event);
}

async function projectSourceEvent(trx: Trx, event: StoredEvent<SourceEvent>): Promise<void> {
  switch (event.type) {
    case "ingestion.source.created": {
      const d = event.data;
      await trx
        .insertInto("sources")
        .values({
          id: d.sourceId,
          project_id: d.projectId,
          type: d.type,
          name: d.name,
          paused: d.paused,
          config: JSON.stringify(d.config),
          settings: JSON.stringify(d.settings),
          secrets: JSON.stringify(d.secrets),
          created_at: d.createdAt,
          updated_at: d.createdAt,
        })
        .execute();
      await bind(trx, d.sourceId, d.projectId, d.settings);
      return;
    }
    case "ingestion.source.updated": {
      const d = event.data;
      await trx
        .updateTable("sources")
        .set({
          name: d.name,
          paused: d.paused,
          config: JSON.stringify(d.config),
          settings: JSON.stringify(d.settings),
          secrets: JSON.stringify(d.secrets),
          updated_at: d.updatedAt,
        })
        .where("id", "=", d.sourceId)
        .execute();
      await bind(trx, d.sourceId, d.projectId, d.settings);
      return;
    }
    case "ingestion.source.secret-rotated":
      await trx
        .updateTable("sources")
        .set({ secrets: JSON.stringify(event.data.secrets), updated_at: event.data.rotatedAt })
        .where("id", "=", event.data.sourceId)
        .execute();
      return;
    case "ingestion.source.synced":
      await trx
        .updateTable("sources")
        .set({ last_sync_at: event.data.syncedAt })
        .where("id", "=", event.data.sourceId)
        .execute();
      return;
    case "ingestion.source.deleted":
      await trx.deleteFrom("source_bindings").where("source_id", "=", event.data.sourceId).execute();
      await trx.deleteFrom("sources").where("id", "=", event.data.sourceId).execute();
      return;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
