import { sql } from "kysely";
import { OUTBOX_CHECKPOINT } from "./relay.ts";
import { type AnyDb, assertSchemaName } from "./schema.ts";

/** One catch-up reader (the outbox relay or an async projection) against the store's head. */
export interface ReaderLag {
  /** The checkpoint's name: `$outbox` for the relay, else the projection's. */
  readonly name: string;
  readonly isOutbox: boolean;
  /** Global position it has reached. */
  readonly position: number;
  /** Committed events after its position (counted up to `LAG_COUNT_CAP`). */
  readonly behind: number;
  /** Age of the oldest of those, in seconds; 0 when none waits. */
  readonly lagSeconds: number;
}

export interface CatchUpLag {
  /** Global position of the last committed event; 0 when the store is empty. */
  readonly head: number;
  readonly readers: readonly ReaderLag[];
}

/** Events counted behind a reader at most, so a read stays cheap when one is far behind. */
export const LAG_COUNT_CAP = 100_000;

/** Where each catch-up reader of the store is, in one query per reader table (for the ops port's gauges). */
export async function readCatchUpLag(db: AnyDb, schemaName: string): Promise<CatchUpLag> {
  const schema = assertSchemaName(schemaName);
  const events = sql.table(`${schema}.events`);
  const [head, readers] = await Promise.all([
    sql<{ head: string }>`select coalesce(max(global_position), 0)::text as head from ${events}`.execute(db),
    sql<{ name: string; position: string; behind: number; lag_seconds: number | null }>`
      select c.name, c.global_position::text as position, behind.count::int as behind,
             extract(epoch from now() - behind.oldest)::float8 as lag_seconds
        from ${sql.table(`${schema}.checkpoints`)} c
        cross join lateral (
          select count(*) as count, min(e.recorded_at) as oldest
            from (select recorded_at from ${events} e
                   where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
                   limit ${LAG_COUNT_CAP}) e
        ) behind
       order by c.name`.execute(db),
  ]);
  return {
    head: Number(head.rows[0]?.head ?? 0),
    readers: readers.rows.map((row) => ({
      name: row.name,
      isOutbox: row.name === OUTBOX_CHECKPOINT,
      position: Number(row.position),
      behind: row.behind,
      lagSeconds: Math.max(0, row.lag_seconds ?? 0),
    })),
  };
}
