import type { AnyDb, AnyTransaction } from "./schema.ts";
import { assertProcessorName, assertSchemaName, storeTables } from "./schema.ts";
import { markDuplicate } from "./tracing.ts";

export interface HandleOnceOptions {
  schema: string;
  /** The consumer's stable name, e.g. `user--on-account-registered`. */
  consumer: string;
  eventId: string;
}

export type HandleOnceResult<T> = { ran: true; value: T } | { ran: false };

/**
 * Runs `effect` unless this consumer already handled `eventId`: the id is recorded in
 * processed_events in the effect's own transaction, so a redelivery has no second effect, and an
 * effect that fails leaves no record and can be retried. A concurrent duplicate waits on the first.
 */
export async function handleOnce<T>(
  db: AnyDb,
  options: HandleOnceOptions,
  effect: (trx: AnyTransaction) => Promise<T>,
): Promise<HandleOnceResult<T>> {
  const schema = assertSchemaName(options.schema);
  const consumer = assertProcessorName(options.consumer);
  return db.transaction().execute(async (trx): Promise<HandleOnceResult<T>> => {
    const recorded = await storeTables(trx, schema)
      .insertInto("processed_events")
      .values({ consumer, event_id: options.eventId })
      .onConflict((oc) => oc.columns(["consumer", "event_id"]).doNothing())
      .returning("event_id")
      .executeTakeFirst();
    if (recorded === undefined) {
      markDuplicate();
      return { ran: false };
    }
    return { ran: true, value: await effect(trx) };
  });
}
