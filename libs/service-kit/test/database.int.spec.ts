import { createTestDatabase, type TestDatabase } from "@tessera/testing";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase } from "../src/index.ts";

let database: TestDatabase;
let db: Kysely<unknown>;
const idleErrors: Error[] = [];

beforeAll(async () => {
  database = await createTestDatabase("kit_database");
  db = connectDatabase({ url: database.url, schema: "kit", onIdleError: (error) => idleErrors.push(error) });
});

afterAll(async () => {
  await db?.destroy();
  await new Promise((resolve) => setTimeout(resolve, 200));
  await database?.drop();
});

describe("connectDatabase", () => {
  it("survives Postgres ending an idle connection: reports it, and the next query connects again", async () => {
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
    const pid = rows[0]?.pid;
    // Another session ends the pool's idle connection, as a Postgres restart or an admin would.
    await sql`select pg_terminate_backend(${pid}::int)`.execute(database.db);
    await expect.poll(() => idleErrors.length).toBe(1);
    expect(idleErrors[0]?.message).toMatch(/terminat/i);
    const again = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
    expect(again.rows[0]?.pid).not.toBe(pid);
  });

  it("searches the service's schema first", async () => {
    const { rows } = await sql<{ path: string }>`select current_setting('search_path') as path`.execute(db);
    expect(rows[0]?.path).toBe("kit,public");
  });
});
