import { sql, type Transaction } from "kysely";
import type { IdentityHookDeliveriesTable, SourcesDb } from "./sources.tables.ts";
import type { Db } from "./sources.ts";

/**
 * Claims an identity-hook delivery id of `issuer` for the dedupe window, noting its outcome: true
 * the first time (or once an earlier claim is older than `windowStart`), false for a repeat inside
 * the window. Concurrent claims of one id wait on each other's row, so exactly one wins.
 */
export async function claimIdentityDelivery(
  trx: Transaction<SourcesDb>,
  delivery: {
    issuer: string;
    deliveryId: string;
    outcome: IdentityHookDeliveriesTable["outcome"];
    eventType: string | null;
  },
  now: Date,
  windowStart: Date,
): Promise<boolean> {
  const values = {
    received_at: now.toISOString(),
    outcome: delivery.outcome,
    event_type: delivery.eventType,
  };
  const claimed = await trx
    .insertInto("identity_hook_deliveries")
    .values({ issuer: delivery.issuer, delivery_id: delivery.deliveryId, ...values })
    .onConflict((oc) =>
      oc
        .columns(["issuer", "delivery_id"])
        .doUpdateSet(values)
        .where("identity_hook_deliveries.received_at", "<", windowStart),
    )
    .returning("delivery_id")
    .executeTakeFirst();
  return claimed !== undefined;
}

/** Forgets identity-hook delivery ids older than the window, a batch at a time; returns how many went. */
export async function pruneIdentityDeliveries(db: Db, windowStart: Date, batch: number): Promise<number> {
  const result = await sql<{ count: number }>`
    with old as (
      select issuer, delivery_id from identity_hook_deliveries
      where received_at < ${windowStart} limit ${batch}
    )
    delete from identity_hook_deliveries d using old
    where d.issuer = old.issuer and d.delivery_id = old.delivery_id
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
