import { randomBytes } from "node:crypto";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";

import { TEST_DATABASE_URL } from "./test-urls.ts";

export { TEST_DATABASE_URL, TEST_NATS_URL, TEST_REDIS_URL } from "./test-urls.ts";

export interface TestDatabase {
  /** Connection string of the fresh database. */
  readonly url: string;
  readonly name: string;
  /** A Kysely handle on it (untyped: each test narrows it to its schema). */
  readonly db: Kysely<any>;
  /** Closes the handle and drops the database. */
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Longest wait for closing pools to leave a database before it is dropped by force, in ms. */
const DISCONNECT_WAIT_MS = 5_000;

/**
 * Pools report themselves closed slightly before their sockets are; dropping the database by force
 * in that moment kills a connection mid-goodbye and surfaces as an unhandled error in the test run.
 */
async function waitForDisconnects(database: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const deadline = Date.now() + DISCONNECT_WAIT_MS;
    while (Date.now() < deadline) {
      const { rows } = await client.query<{ count: number }>(
        "select count(*)::int as count from pg_stat_activity where datname = $1",
        [database],
      );
      if (rows[0]?.count === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await client.end();
  }
}

export function createKysely(url: string, max = 10): Kysely<any> {
  return new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max }) }),
  });
}

/** A fresh database for one test file, dropped afterwards. */
export async function createTestDatabase(label = "t"): Promise<TestDatabase> {
  const safeLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "_")
    .slice(0, 20);
  const name = `tessera_${safeLabel}_${randomBytes(5).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = withDatabase(TEST_DATABASE_URL, name);
  const db = createKysely(url);
  return {
    url,
    name,
    db,
    async drop() {
      await db.destroy();
      await waitForDisconnects(name);
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** A unique bus namespace, so streams and subjects of one test never meet another's. */
export function testNamespace(label = "t"): string {
  return `${label.toLowerCase().replace(/[^a-z0-9]/g, "")}${randomBytes(4).toString("hex")}`;
}
