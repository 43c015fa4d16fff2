import { setTimeout as sleep } from "node:timers/promises";
import type { AnyDb } from "@tessera/eventstore";
import type { TestDatabase } from "@tessera/testing";

/**
 * Closes the file's pools, then drops its database. pg's Pool.end() resolves before its clients
 * have disconnected, and DROP DATABASE … WITH (FORCE) would then kill them mid-goodbye, which
 * surfaces as unhandled "terminating connection" errors; a short pause lets them leave first.
 */
export async function dropTestDatabase(database: TestDatabase | undefined, ...pools: AnyDb[]): Promise<void> {
  await Promise.all([...pools, ...(database ? [database.db] : [])].map((pool) => pool.destroy()));
  await sleep(200);
  await database?.drop();
}
