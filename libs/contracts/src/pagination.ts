import { z } from "zod";
import { ValidationError } from "./errors.ts";
import { oncePerSchema } from "./per-schema.ts";
import { text, timestamp } from "./scalars.ts";

/** Longest cursor string accepted, in characters. @default 512 */
export const MAX_CURSOR_LENGTH = 512;

/** Page size of every list: at most 200. @default 50 */
export const PAGE_LIMIT_MAX = 200;

/**
 * `?limit=` (default 50, at most 200) and an opaque `?cursor=` (API.md): the one query of every list.
 * Lists with filters `.extend()` it.
 */
export const PageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(50),
  cursor: text().min(1).max(MAX_CURSOR_LENGTH).optional(),
});
export type PageQuery = z.infer<typeof PageQuerySchema>;

function buildPageSchema<T extends z.ZodType>(item: T) {
  const page = z.object({ items: z.array(item), nextCursor: text().nullable() });
  const itemId = z.globalRegistry.get(item)?.id;
  return itemId === undefined ? page : page.meta({ id: `${itemId}Page` });
}

const cachedPageSchema = oncePerSchema(buildPageSchema);

/**
 * The shape of one page of `item`s: `{ items, nextCursor }`, one schema per item schema; a page of
 * a named item is named after it (`Memory` → `MemoryPage`).
 */
export function pageSchema<T extends z.ZodType>(item: T): ReturnType<typeof buildPageSchema<T>> {
  return cachedPageSchema(item) as ReturnType<typeof buildPageSchema<T>>;
}

/** The sort key of a list's last item, as it travels inside a cursor. */
export type CursorKey = Readonly<Record<string, string | number>>;

/** The cursor key of a list paged on `(created_at, id)`: its last item's creation time and id. */
export const CreatedCursorSchema = z.object({ createdAt: timestamp(), id: z.uuid() });
export type CreatedCursor = z.output<typeof CreatedCursorSchema>;

/** The cursor key of an item that carries its own `createdAt` and `id` (for `pageOf`). */
export function createdCursorOf(item: { readonly createdAt: string; readonly id: string }): CreatedCursor {
  return { createdAt: item.createdAt, id: item.id };
}

/** One page of a keyset-paginated list (API.md): `nextCursor` is null on the last page. */
export interface CursorPage<Item> {
  items: Item[];
  nextCursor: string | null;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** An opaque cursor: the key, as base64url JSON. Callers must not rely on the format. */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/**
 * The key inside a cursor from `encodeCursor`, checked against `schema`; `undefined` for no cursor.
 * A malformed, tampered or over-long cursor is a `ValidationError` on the field `cursor` (400).
 */
export function decodeCursor<S extends z.ZodType>(
  schema: S,
  cursor: string | undefined,
): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = (cause?: unknown) =>
    new ValidationError(
      "The cursor is not valid.",
      [{ field: "cursor", message: "not a cursor from this list" }],
      {
        cause,
      },
    );
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalid();
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch (error) {
    throw invalid(error);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}

/**
 * The page from `rows` read with `limit + 1`: the extra row only tells that another page follows,
 * and the cursor is the key of the last item shown.
 */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  keyOf: (row: Row) => CursorKey,
): CursorPage<Item> {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return {
    items: shown.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
