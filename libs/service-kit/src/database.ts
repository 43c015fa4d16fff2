import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";

export interface DatabaseOptions {
  url: string;
  /** The service's own schema; it comes first on the search path, so queries name tables plainly. */
  schema: string;
  /** Pool size. @default 10 */
  max?: number;
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
  return new Kysely<Db>({ dialect: new PostgresDialect({ pool }) });
}
