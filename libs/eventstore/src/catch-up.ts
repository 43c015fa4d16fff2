import { sql } from "kysely";
import { ProcessorStoppedError } from "./errors.ts";
import { type EventRow, type StoredEvent, storedFromRow } from "./events.ts";
import { type AnyDb, type AnyTransaction, sleep, storeTables } from "./schema.ts";

/**
 * A catch-up reader's place in the store: the writing transaction's id, then the global position.
 * Ordering by the pair (not by position alone) is what makes the reads gap-safe; see
 * docs/decisions/0002-eventstore-gap-safety.md.
 */
export interface CatchUpPosition {
  transactionId: string;
  globalPosition: string;
}

export const START: CatchUpPosition = Object.freeze({ transactionId: "0", globalPosition: "0" });

export interface CatchUpEvent {
  event: StoredEvent;
  position: CatchUpPosition;
}

/** xid8 is read as text under another name: ORDER BY an output alias would sort the text ("10000" < "9999"). */
interface CatchUpRow extends EventRow {
  transaction_text: string;
}

/**
 * The one reader every catch-up consumer uses (projections, relay, republish, rebuild): events
 * after `after`, written only by transactions older than every transaction still running. Such a
 * transaction has finished, so nothing can later commit before the returned events in this order.
 */
export async function readVisibleEventsAfter(
  db: AnyDb | AnyTransaction,
  schema: string,
  after: CatchUpPosition,
  limit: number,
  fromGlobalPosition?: string,
): Promise<CatchUpEvent[]> {
  const { rows } = await sql<CatchUpRow>`
    select global_position, event_id, stream_id, stream_version, type, version, data, metadata,
           recorded_at, transaction_id::text as transaction_text
      from ${sql.table(`${schema}.events`)}
     where (transaction_id, global_position) > (${after.transactionId}::xid8, ${after.globalPosition}::bigint)
       and transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ${fromGlobalPosition === undefined ? sql`` : sql`and global_position >= ${fromGlobalPosition}::bigint`}
     order by transaction_id, global_position
     limit ${limit}`.execute(db);
  return rows.map((row) => ({
    event: storedFromRow(row),
    position: { transactionId: row.transaction_text, globalPosition: String(row.global_position) },
  }));
}

/** How long a reader that must reach a committed event rests while older transactions finish, in ms. */
export const VISIBILITY_WAIT_MS = 10;

/**
 * Whether a committed event after `after` exists, visible to catch-up readers yet or not: tells
 * "caught up" apart from "the rest is hidden behind a running transaction for a moment".
 */
export async function anyCommittedAfter(
  db: AnyDb | AnyTransaction,
  schema: string,
  after: CatchUpPosition,
  fromGlobalPosition?: string,
): Promise<boolean> {
  const { rows } = await sql`
    select 1 from ${sql.table(`${schema}.events`)}
     where (transaction_id, global_position) > (${after.transactionId}::xid8, ${after.globalPosition}::bigint)
       ${fromGlobalPosition === undefined ? sql`` : sql`and global_position >= ${fromGlobalPosition}::bigint`}
     limit 1`.execute(db);
  return rows.length > 0;
}

export function comparePositions(a: CatchUpPosition, b: CatchUpPosition): number {
  const byTransaction = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (byTransaction !== 0n) return byTransaction < 0n ? -1 : 1;
  const byPosition = BigInt(a.globalPosition) - BigInt(b.globalPosition);
  return byPosition === 0n ? 0 : byPosition < 0n ? -1 : 1;
}

/** The last committed event in catch-up order, visible to readers or not yet; START when empty. */
export async function committedHead(db: AnyDb | AnyTransaction, schema: string): Promise<CatchUpPosition> {
  const { rows } = await sql<{ transaction_text: string; global_position: string }>`
    select transaction_id::text as transaction_text, global_position
      from ${sql.table(`${schema}.events`)}
     order by transaction_id desc, global_position desc
     limit 1`.execute(db);
  const row = rows[0];
  return row ? { transactionId: row.transaction_text, globalPosition: String(row.global_position) } : START;
}

export async function ensureCheckpoint(db: AnyDb | AnyTransaction, schema: string, name: string) {
  await storeTables(db, schema)
    .insertInto("checkpoints")
    .values({ name })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
}

export async function loadCheckpoint(
  db: AnyDb | AnyTransaction,
  schema: string,
  name: string,
): Promise<CatchUpPosition> {
  const { rows } = await sql<{ transaction_text: string; global_position: string }>`
    select transaction_id::text as transaction_text, global_position
      from ${sql.table(`${schema}.checkpoints`)} where name = ${name}`.execute(db);
  const row = rows[0];
  return row ? { transactionId: row.transaction_text, globalPosition: String(row.global_position) } : START;
}

/**
 * Moves a checkpoint from `from` to `to`; false when another replica moved it first (the caller's
 * transaction then must roll back its effects).
 */
export async function advanceCheckpoint(
  db: AnyDb | AnyTransaction,
  schema: string,
  name: string,
  from: CatchUpPosition,
  to: CatchUpPosition,
): Promise<boolean> {
  const result = await sql`
    update ${sql.table(`${schema}.checkpoints`)}
       set transaction_id = ${to.transactionId}::xid8, global_position = ${to.globalPosition}::bigint,
           updated_at = now()
     where name = ${name}
       and transaction_id = ${from.transactionId}::xid8 and global_position = ${from.globalPosition}::bigint`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0n) === 1;
}

/** Resolves once the checkpoint `name` covers every event committed when it was called. */
export async function waitForCheckpoint(
  db: AnyDb,
  schema: string,
  name: string,
  options: { pollMs: number; isStopped: () => boolean; processor: string },
): Promise<void> {
  const target = await committedHead(db, schema);
  for (;;) {
    if (comparePositions(await loadCheckpoint(db, schema, name), target) >= 0) return;
    if (options.isStopped()) throw new ProcessorStoppedError(options.processor);
    await sleep(options.pollMs);
  }
}
