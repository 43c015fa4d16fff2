import {
  type AsyncProjection,
  createEventStore,
  migrateEventStore,
  rebuildProjection,
  startAsyncProjection,
} from "@tessera/eventstore";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestDatabase } from "./support.ts";

const schema = "es";
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase("es_rebuild");
  await migrateEventStore(database.db, { schema });
  await sql`create table es.balances (account text primary key, balance integer not null, moves integer not null)`.execute(
    database.db,
  );
});

afterAll(async () => {
  await dropTestDatabase(database);
});

type Moved = { type: "test.account.moved"; data: { amount: number } };

const balances: AsyncProjection<Moved> = {
  name: "balances",
  async handle(trx, event) {
    await sql`
      insert into es.balances (account, balance, moves) values (${event.streamId}, ${event.data.amount}, 1)
      on conflict (account) do update
        set balance = balances.balance + excluded.balance, moves = balances.moves + 1`.execute(trx);
  },
  async reset(trx) {
    await sql`truncate es.balances`.execute(trx);
  },
};

async function readModel(): Promise<unknown[]> {
  const { rows } = await sql`select account, balance, moves from es.balances order by account`.execute(
    database.db,
  );
  return rows;
}

describe("rebuildProjection", () => {
  it("produces the same rows as the live projection, which then carries on from its checkpoint", async () => {
    const store = createEventStore(database.db, { schema });
    const accounts = Array.from({ length: 6 }, () => `account-${testNamespace()}`);
    const live = startAsyncProjection({
      db: database.db,
      schema,
      projection: balances,
      pollMs: 10,
      batchSize: 4,
    });
    try {
      for (let round = 0; round < 5; round++) {
        await Promise.all(
          accounts.map((account, index) =>
            store.append<Moved>(
              account,
              [{ type: "test.account.moved", data: { amount: index * 10 + round } }],
              {
                expectedVersion: round,
              },
            ),
          ),
        );
      }
      await live.drain();
      const liveRows = await readModel();
      expect(liveRows).toHaveLength(accounts.length);

      // Damage the read model so the rebuild has something to repair.
      await sql`update es.balances set balance = -1`.execute(database.db);
      const { replayed } = await rebuildProjection(database.db, {
        schema,
        projection: balances,
        batchSize: 7,
      });
      expect(replayed).toBe(30);
      expect(await readModel()).toEqual(liveRows);

      await store.append<Moved>(accounts[0]!, [{ type: "test.account.moved", data: { amount: 1000 } }], {
        expectedVersion: 5,
      });
      await live.drain();
      const { rows } = await sql<{ moves: number }>`
        select moves from es.balances where account = ${accounts[0]!}`.execute(database.db);
      expect(rows).toEqual([{ moves: 6 }]);
    } finally {
      await live.stop();
    }
  });

  it("refuses a projection that cannot be reset", async () => {
    await expect(
      rebuildProjection(database.db, { schema, projection: { name: "no-reset", handle: async () => {} } }),
    ).rejects.toMatchObject({ code: "eventstore.config" });
  });
});
