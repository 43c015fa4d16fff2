import { randomUUID } from "node:crypto";
import { handleOnce, migrateEventStore } from "@tessera/eventstore";
import { createTestDatabase, type TestDatabase } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestDatabase } from "./support.ts";

const schema = "es";
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase("es_consumer");
  await migrateEventStore(database.db, { schema });
  await sql`create table es.effects (event_id uuid not null)`.execute(database.db);
});

afterAll(async () => {
  await dropTestDatabase(database);
});

async function effectsOf(eventId: string): Promise<number> {
  const { rows } = await sql<{ count: string }>`
    select count(*) as count from es.effects where event_id = ${eventId}`.execute(database.db);
  return Number(rows[0]!.count);
}

const recordEffect = (eventId: string) => async (trx: Parameters<Parameters<typeof handleOnce>[2]>[0]) => {
  await sql`insert into es.effects (event_id) values (${eventId})`.execute(trx);
  return "done";
};

describe("handleOnce", () => {
  it("has one effect when the same event is handled twice", async () => {
    const eventId = randomUUID();
    const first = await handleOnce(
      database.db,
      { schema, consumer: "user--on-registered", eventId },
      recordEffect(eventId),
    );
    const second = await handleOnce(
      database.db,
      { schema, consumer: "user--on-registered", eventId },
      recordEffect(eventId),
    );
    expect(first).toEqual({ ran: true, value: "done" });
    expect(second).toEqual({ ran: false });
    expect(await effectsOf(eventId)).toBe(1);
  });

  it("has one effect when the same event is handled concurrently", async () => {
    const eventId = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        handleOnce(database.db, { schema, consumer: "user--on-registered", eventId }, recordEffect(eventId)),
      ),
    );
    expect(results.filter((result) => result.ran)).toHaveLength(1);
    expect(await effectsOf(eventId)).toBe(1);
  });

  it("runs the effect again after it failed, since nothing was recorded", async () => {
    const eventId = randomUUID();
    const failing = handleOnce(
      database.db,
      { schema, consumer: "jobs--on-registered", eventId },
      async (trx) => {
        await recordEffect(eventId)(trx);
        throw new Error("the effect failed after writing");
      },
    );
    await expect(failing).rejects.toThrow("the effect failed after writing");
    expect(await effectsOf(eventId)).toBe(0);
    const retried = await handleOnce(
      database.db,
      { schema, consumer: "jobs--on-registered", eventId },
      recordEffect(eventId),
    );
    expect(retried.ran).toBe(true);
    expect(await effectsOf(eventId)).toBe(1);
  });

  it("keeps consumers apart: each one handles the event once", async () => {
    const eventId = randomUUID();
    await handleOnce(database.db, { schema, consumer: "a", eventId }, recordEffect(eventId));
    await handleOnce(database.db, { schema, consumer: "b", eventId }, recordEffect(eventId));
    expect(await effectsOf(eventId)).toBe(2);
  });
});
