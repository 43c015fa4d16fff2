import type { Item, ItemRevision } from "@tessera/contracts";
import type { StoredEvent } from "@tessera/eventstore";
import { sql, type Transaction } from "kysely";
import type { ItemEvent, ItemReceived } from "../domain/item.ts";
import type { ItemRow, SourcesDb } from "./sources.tables.ts";
import type { Db } from "./sources.ts";

/** Inline projection of item events: the `items` row shows the latest revision. */
export async function projectItemEvents(
  trx: Transaction<SourcesDb>,
  events: readonly StoredEvent<ItemEvent>[],
): Promise<void> {
  for (const event of events) {
    if (event.type !== "ingestion.item.received") continue;
    const { data } = event;
    const latest = {
      revision: data.revision,
      content_hash: data.contentHash,
      content_type: data.contentType,
      bytes: data.bytes,
      received_at: data.receivedAt,
    };
    await trx
      .insertInto("items")
      .values({
        id: data.itemId,
        project_id: data.projectId,
        source_id: data.sourceId,
        external_id: data.externalId,
        kind: data.kind,
        first_received_at: data.receivedAt,
        ...latest,
      })
      .onConflict((oc) => oc.column("id").doUpdateSet(latest))
      .execute();
  }
}

/** The body and headers of a revision, stored beside its event in the same transaction. */
export async function storeRevisionBody(
  trx: Transaction<SourcesDb>,
  revision: ItemReceived["data"],
  content: { body: Buffer; headers: Readonly<Record<string, string>> },
): Promise<void> {
  await trx
    .insertInto("item_revisions")
    .values({
      item_id: revision.itemId,
      revision: revision.revision,
      project_id: revision.projectId,
      source_id: revision.sourceId,
      content_hash: revision.contentHash,
      content_type: revision.contentType,
      headers: JSON.stringify(content.headers),
      body: content.body,
      received_at: revision.receivedAt,
    })
    .execute();
}

/**
 * Claims a delivery id for the dedupe window: true the first time (or once an earlier claim is
 * older than `windowStart`), false for a repeat inside the window. Concurrent claims of one id
 * wait on each other's row, so exactly one wins.
 */
export async function claimDelivery(
  trx: Transaction<SourcesDb>,
  sourceId: string,
  deliveryId: string,
  now: Date,
  windowStart: Date,
): Promise<boolean> {
  const claimed = await trx
    .insertInto("hook_deliveries")
    .values({ source_id: sourceId, delivery_id: deliveryId, received_at: now.toISOString() })
    .onConflict((oc) =>
      oc
        .columns(["source_id", "delivery_id"])
        .doUpdateSet({ received_at: now.toISOString() })
        .where("hook_deliveries.received_at", "<", windowStart),
    )
    .returning("delivery_id")
    .executeTakeFirst();
  return claimed !== undefined;
}

/** Forgets delivery ids older than the window, a batch at a time; returns how many went. */
export async function pruneDeliveries(db: Db, windowStart: Date, batch: number): Promise<number> {
  const result = await sql<{ count: number }>`
    with old as (
      select source_id, delivery_id from hook_deliveries
      where received_at < ${windowStart} limit ${batch}
    )
    delete from hook_deliveries d using old
    where d.source_id = old.source_id and d.delivery_id = old.delivery_id
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export function itemFromRow(row: ItemRow): Item {
  return {
    id: row.id,
    sourceId: row.source_id,
    externalId: row.external_id,
    kind: row.kind,
    receivedAt: row.received_at.toISOString(),
    contentHash: row.content_hash,
    revision: row.revision,
    contentType: row.content_type,
    bytes: row.bytes,
    firstReceivedAt: row.first_received_at.toISOString(),
  };
}

/** Newest first, keyset-paged on (first_received_at, id) descending. */
export async function listItems(
  db: Db,
  projectId: string,
  sourceId: string,
  page: { before?: { firstReceivedAt: string; id: string }; limit: number },
): Promise<ItemRow[]> {
  let query = db
    .selectFrom("items")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("source_id", "=", sourceId)
    .orderBy("first_received_at", "desc")
    .orderBy("id", "desc")
    .limit(page.limit);
  const before = page.before;
  if (before) {
    const at = new Date(before.firstReceivedAt);
    query = query.where((eb) =>
      eb.or([
        eb("first_received_at", "<", at),
        eb.and([eb("first_received_at", "=", at), eb("id", "<", before.id)]),
      ]),
    );
  }
  return query.execute();
}

/** One revision with its body (the latest when `revision` is undefined). */
export async function findItemRevision(
  db: Db,
  projectId: string,
  sourceId: string,
  itemId: string,
  revision: number | undefined,
): Promise<ItemRevision | undefined> {
  let query = db
    .selectFrom("item_revisions as r")
    .innerJoin("items as i", "i.id", "r.item_id")
    .select([
      "r.item_id",
      "r.revision",
      "r.content_hash",
      "r.content_type",
      "r.headers",
      "r.body",
      "r.received_at",
      "i.external_id",
      "i.kind",
    ])
    .where("i.project_id", "=", projectId)
    .where("i.source_id", "=", sourceId)
    .where("r.item_id", "=", itemId)
    .orderBy("r.revision", "desc")
    .limit(1);
  if (revision !== undefined) query = query.where("r.revision", "=", revision);
  const row = await query.executeTakeFirst();
  if (!row) return undefined;
  return {
    itemId: row.item_id,
    sourceId,
    projectId,
    externalId: row.external_id,
    kind: row.kind,
    revision: row.revision,
    contentHash: row.content_hash,
    contentType: row.content_type,
    base64: row.body.toString("base64"),
    bytes: row.body.length,
    headers: row.headers,
    receivedAt: row.received_at.toISOString(),
  };
}
