import type { CreatedCursor } from "@tessera/contracts";
import { Kysely, PostgresDialect, type RawBuilder, type SqlBool, sql } from "kysely";
import pg from "pg";

export interface DatabaseOptions {
  url: string;
  /** The service's own schema; it comes first on the search path, so queries name tables plainly. */
  schema: string;
  /** Pool size. @default 10 */
  max?: number;
  /**
   * A connection failed outside a query (Postgres restarted, or ended it), idle in the pool or held
   * between queries: the pool drops it and the next query connects again. @default ignore
   */
  onIdleError?: (error: Error) => void;
}

/**
 * A Kysely handle whose connections search the service's schema first, then `public` (where
 * extensions such as pgvector keep their types).
 */
export function connectDatabase<Db>(options: DatabaseOptions): Kysely<Db> {
  if (!/^[a-z_][a-z0-9_]*$/.test(options.schema))
    throw new TypeError(`invalid schema name ${options.schema}`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    options: `-c search_path=${options.schema},public`,
  });
  pool.on("error", (error) => options.onIdleError?.(error));
  // The pool listens for errors of idle clients only. A client checked out and waiting between
  // queries (the outbox relay holds one with its lock) whose connection dies emits `error` too, and
  // unheard that would crash the process; it is reported the same way, its next query fails, and
  // its holder retries.
  const checkedOut = new WeakSet<pg.PoolClient>();
  pool.on("acquire", (client) => checkedOut.add(client));
  pool.on("release", (_error, client) => checkedOut.delete(client));
  pool.on("connect", (client) =>
    client.on("error", (error) => {
      if (checkedOut.has(client)) options.onIdleError?.(error);
    }),
  );
  return new Kysely<Db>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * The rows after `after` in `(created_at, id)` order, as one row comparison (which an index on
 * `(…, created_at, id)` serves); `true` for the first page. For lists paged oldest first.
 */
export function createdAfter(after: CreatedCursor | undefined): RawBuilder<SqlBool> {
  return after === undefined
    ? sql<SqlBool>`true`
    : sql<SqlBool>`(created_at, id) > (${new Date(after.createdAt)}, ${after.id})`;
}

/** The rows before `before` in `(created_at, id)` order: `createdAfter` for lists paged newest first. */
export function createdBefore(before: CreatedCursor | undefined): RawBuilder<SqlBool> {
  return before === undefined
    ? sql<SqlBool>`true`
    : sql<SqlBool>`(created_at, id) < (${new Date(before.createdAt)}, ${before.id})`;
}

/** The cursor key of a row with `created_at` and `id` columns (for `pageOf`). */
export function createdCursorOfRow(row: { readonly created_at: Date; readonly id: string }): CreatedCursor {
  return { createdAt: row.created_at.toISOString(), id: row.id };
}
