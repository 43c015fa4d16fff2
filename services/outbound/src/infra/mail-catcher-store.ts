import { type CaughtMail, type CursorPage, decodeCursor, encodeCursor } from "@tessera/contracts";
import type { ColumnType, Generated, Insertable, Kysely, Selectable } from "kysely";
import { z } from "zod";

export interface CaughtMailsTable {
  id: string;
  received_at: Generated<Date>;
  /** JSON text on the way in: the pg driver would write a JS array as a Postgres array. */
  envelope_to: ColumnType<string[], string, never>;
  from_header: string | null;
  to_header: string | null;
  subject: string | null;
  message_id: string | null;
  /** `[name, value]` of each header line as received. */
  headers: ColumnType<[string, string][], string, never>;
  text_body: string | null;
  html_body: string | null;
  size: number;
}

export interface CatcherDb {
  caught_mails: CaughtMailsTable;
}

export type CaughtMailRow = Selectable<CaughtMailsTable>;

/** Longest text body returned by the `mail.list` operation, in characters (the page shows all). */
const LISTED_TEXT_MAX = 65_536;

export async function insertCaughtMail(
  db: Kysely<CatcherDb>,
  mail: Insertable<CaughtMailsTable>,
): Promise<void> {
  await db.insertInto("caught_mails").values(mail).execute();
}

/** Keeps the newest `keep` mails. */
export async function pruneCaughtMails(db: Kysely<CatcherDb>, keep: number): Promise<void> {
  const newest = db
    .selectFrom("caught_mails")
    .select("id")
    .orderBy("received_at", "desc")
    .orderBy("id", "desc")
    .limit(keep);
  await db.deleteFrom("caught_mails").where("id", "not in", newest).execute();
}

const CursorSchema = z.object({ at: z.string(), id: z.uuid() });

/** Newest first, keyset-paginated by (received_at, id). */
export async function listCaughtMails(
  db: Kysely<CatcherDb>,
  limit: number,
  cursor: string | undefined,
): Promise<CursorPage<CaughtMail>> {
  const after = decodeCursor(CursorSchema, cursor);
  let query = db.selectFrom("caught_mails").selectAll().orderBy("received_at", "desc").orderBy("id", "desc");
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb("received_at", "<", new Date(after.at)),
        eb.and([eb("received_at", "=", new Date(after.at)), eb("id", "<", after.id)]),
      ]),
    );
  }
  const rows = await query.limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toCaughtMail),
    nextCursor:
      rows.length > limit && last ? encodeCursor({ at: last.received_at.toISOString(), id: last.id }) : null,
  };
}

export async function findCaughtMail(db: Kysely<CatcherDb>, id: string): Promise<CaughtMailRow | undefined> {
  return db.selectFrom("caught_mails").selectAll().where("id", "=", id).executeTakeFirst();
}

export function toCaughtMail(row: CaughtMailRow): CaughtMail {
  return {
    id: row.id,
    receivedAt: row.received_at.toISOString(),
    envelopeTo: row.envelope_to,
    from: row.from_header,
    to: row.to_header,
    subject: row.subject,
    messageId: row.message_id,
    text: row.text_body === null ? null : row.text_body.slice(0, LISTED_TEXT_MAX),
    hasHtml: row.html_body !== null,
    size: row.size,
  };
}
