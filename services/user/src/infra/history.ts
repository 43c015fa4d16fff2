import type { Kysely, Transaction } from "kysely";
import { type KeysetCursor, pastCursor } from "./keyset.ts";
import type { HistoryRow, UserDb } from "./tables.ts";

type Db = Kysely<UserDb> | Transaction<UserDb>;

export interface HistoryInsert {
  userId: string;
  eventId: string;
  service: string;
  type: string;
  occurredAt: string;
  requestId: string | null;
}

export async function recordHistory(db: Db, entries: readonly HistoryInsert[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto("user_history")
    .values(
      entries.map((entry) => ({
        user_id: entry.userId,
        event_id: entry.eventId,
        service: entry.service,
        type: entry.type,
        occurred_at: entry.occurredAt,
        request_id: entry.requestId,
      })),
    )
    .onConflict((oc) => oc.columns(["user_id", "event_id"]).doNothing())
    .execute();
}

/** Newest first, after a (occurredAt, eventId) cursor. */
export async function listHistory(
  db: Db,
  userId: string,
  options: { limit: number; before?: KeysetCursor | undefined },
): Promise<HistoryRow[]> {
  let query = db.selectFrom("user_history").selectAll().where("user_id", "=", userId);
  if (options.before) query = query.where(pastCursor(["occurred_at", "event_id"], "before", options.before));
  return query.orderBy("occurred_at", "desc").orderBy("event_id", "desc").limit(options.limit).execute();
}

export async function deleteHistoryOf(db: Db, userId: string): Promise<void> {
  await db.deleteFrom("user_history").where("user_id", "=", userId).execute();
}
