import { type AnyDb, migrateEventStore, runMigrations } from "@tessera/eventstore";
import { createKysely, createTestDatabase, type TestDatabase } from "@tessera/testing";
import { sql } from "kysely";
import type { Migration } from "kysely/migration";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestDatabase } from "./support.ts";

let database: TestDatabase;
let replicas: AnyDb[];

beforeAll(async () => {
  database = await createTestDatabase("es_migrate");
  replicas = Array.from({ length: 4 }, () => createKysely(database.url, 2));
});

afterAll(async () => {
  await dropTestDatabase(database, ...replicas);
});

const readModel: Record<string, Migration> = {
  "2026_11_21_0001_create_accounts": {
    async up(db) {
      await sql`create table svc.accounts (id uuid primary key, email text not null unique)`.execute(db);
    },
  },
  "2026_11_21_0002_add_name": {
    async up(db) {
      await sql`alter table svc.accounts add column name text`.execute(db);
    },
  },
};

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = ${schema}`.execute(database.db);
  return rows.map((row) => row.table_name).sort();
}

describe("migrations", () => {
  it("run concurrently from 4 replicas without error, twice, applying each migration once", async () => {
    for (let round = 0; round < 2; round++) {
      const results = await Promise.all(
        replicas.map(async (replica) => ({
          store: await migrateEventStore(replica, { schema: "svc" }),
          own: await runMigrations(replica, { schema: "svc", migrations: readModel }),
        })),
      );
      const storeApplied = results.flatMap((result) => result.store.applied);
      const ownApplied = results.flatMap((result) => result.own.applied);
      expect(storeApplied).toEqual(
        round === 0
          ? [
              "2026_11_21_0001_create_event_store",
              "2026_11_22_0001_create_personal_data_keys",
              "2026_11_22_0002_notify_on_append",
              "2026_11_22_0003_create_published_personal_data",
            ]
          : [],
      );
      expect(ownApplied.sort()).toEqual(round === 0 ? Object.keys(readModel) : []);
    }
    expect(await tablesIn("svc")).toEqual([
      "accounts",
      "checkpoints",
      "events",
      "eventstore_migration",
      "eventstore_migration_lock",
      "kysely_migration",
      "kysely_migration_lock",
      "personal_data_keys",
      "processed_events",
      "published_personal_data",
    ]);
  });

  it("creates the same tables in a second schema while another replica migrates the first", async () => {
    await Promise.all([
      migrateEventStore(replicas[0]!, { schema: "other" }),
      migrateEventStore(replicas[1]!, { schema: "svc" }),
    ]);
    expect(await tablesIn("other")).toContain("events");
  });

  it("names the failing migration and Postgres's reason, and applies nothing of that run", async () => {
    const failing: Record<string, Migration> = {
      "2026_11_22_0001_create_notes": {
        async up(db) {
          await sql`create table broken.notes (id int)`.execute(db);
        },
      },
      "2026_11_22_0002_enable_missing_extension": {
        async up(db) {
          await sql`create extension no_such_extension`.execute(db);
        },
      },
    };
    await expect(
      runMigrations(replicas[0]!, { schema: "broken", migrations: failing }),
    ).rejects.toMatchObject({
      code: "eventstore.migration_failed",
      message: expect.stringMatching(
        /^Migration 2026_11_22_0002_enable_missing_extension in broken failed: .*no_such_extension/,
      ),
    });
    expect(await tablesIn("broken")).toEqual([]);
  });

  it("refuses a schema name that is not a plain identifier", async () => {
    await expect(migrateEventStore(replicas[0]!, { schema: 'svc"; drop table x; --' })).rejects.toMatchObject(
      {
        code: "eventstore.config",
      },
    );
  });
});
