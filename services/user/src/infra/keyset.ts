import { type RawBuilder, sql } from "kysely";

/** The sort key of a keyset page: a time and the id that breaks its ties. */
export interface KeysetCursor {
  at: Date;
  id: string;
}

/**
 * Rows past the cursor in a (time, id) order: `after` for ascending lists, `before` for descending
 * ones. One row comparison, which the (time, id) indexes serve.
 */
export function pastCursor(
  columns: readonly [time: string, id: string],
  direction: "after" | "before",
  cursor: KeysetCursor,
): RawBuilder<boolean> {
  const operator = sql.raw(direction === "after" ? ">" : "<");
  return sql<boolean>`(${sql.ref(columns[0])}, ${sql.ref(columns[1])}) ${operator} (${cursor.at}, ${cursor.id})`;
}
