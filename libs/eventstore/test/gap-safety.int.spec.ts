import { randomUUID } from "node:crypto";
import {
  type AnyDb,
  createEventStore,
  type Decider,
  handleCommand,
  type InlineProjection,
  migrateEventStore,
  type RunningProcessor,
  startAsyncProjection,
  startOutboxRelay,
} from "@tessera/eventstore";
import { createKysely, createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEventStream, type TestEventStream } from "./jetstream.ts";
import { dropTestDatabase } from "./support.ts";

const schema = "es";
const WRITERS = 20;
const APPENDS_PER_WRITER = 5;
const STREAMS = 8;
const ROUNDS = 3;

let database: TestDatabase;
let writers: AnyDb;
let bus: TestEventStream;
let relay: RunningProcessor;
let projection: RunningProcessor;

beforeAll(async () => {
  database = await createTestDatabase("es_gaps");
  await migrateEventStore(database.db, { schema });
  await sql`create table es.seen (event_id uuid primary key)`.execute(database.db);
  // A pool of its own, so all writers are really in flight at once.
  writers = createKysely(database.url, WRITERS + 1);
  bus = await createTestEventStream("gaps");
  relay = startOutboxRelay({ db: database.db, schema, publisher: bus.publisher, pollMs: 20 });
  projection = startAsyncProjection({
    db: database.db,
    schema,
    pollMs: 20,
    batchSize: 7,
    projection: {
      name: "seen",
      async handle(trx, event) {
        await sql`insert into es.seen (event_id) values (${event.eventId})`.execute(trx);
      },
    },
  });
});

afterAll(async () => {
  await relay?.stop();
  await projection?.stop();
  await bus?.close();
  await dropTestDatabase(database, writers);
});

type Tick = { type: "test.clock.ticked"; data: { writer: number } };
const clock: Decider<{ writer: number }, Tick, number> = {
  initialState: () => 0,
  decide: (command) => [{ type: "test.clock.ticked", data: { writer: command.writer } }],
  evolve: (ticks) => ticks + 1,
};

/** Holds each append's transaction open for a random 0–50 ms, so commits land out of position order. */
const dawdle: InlineProjection = async (trx) => {
  await sql`select pg_sleep(${Math.random() * 0.05})`.execute(trx);
};

async function writer(streams: string[], writerNumber: number): Promise<void> {
  const store = createEventStore(writers, { schema });
  for (let n = 0; n < APPENDS_PER_WRITER; n++) {
    const streamId = streams[Math.floor(Math.random() * streams.length)]!;
    await handleCommand(
      store,
      clock,
      streamId,
      { writer: writerNumber },
      { inline: [dawdle], retries: 1_000 },
    );
  }
}

async function committedEventIds(): Promise<string[]> {
  const { rows } = await sql<{ event_id: string }>`select event_id from es.events`.execute(database.db);
  return rows.map((row) => row.event_id).sort();
}

describe("gap-safe catch-up under concurrent writers", () => {
  it("publishes exactly the committed events, each stream in order, while writers commit out of order", async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const streams = Array.from({ length: STREAMS }, () => `clock-${testNamespace()}`);
      await Promise.all(Array.from({ length: WRITERS }, (_, writerNumber) => writer(streams, writerNumber)));
      await relay.drain();

      const committed = await committedEventIds();
      expect(committed).toHaveLength(round * WRITERS * APPENDS_PER_WRITER);
      const published = await bus.messages();
      expect(published.map((envelope) => envelope.eventId).sort()).toEqual(committed);

      const versionsByStream = new Map<string, number[]>();
      for (const envelope of published) {
        versionsByStream.set(envelope.streamId, [
          ...(versionsByStream.get(envelope.streamId) ?? []),
          envelope.streamVersion,
        ]);
      }
      for (const versions of versionsByStream.values()) {
        expect(versions).toEqual(versions.map((_, index) => index + 1));
      }
    }
  });

  it("lets an async projection see every committed event exactly once", async () => {
    await projection.drain();
    const { rows } = await sql<{ event_id: string }>`select event_id from es.seen`.execute(database.db);
    expect(rows.map((row) => row.event_id).sort()).toEqual(await committedEventIds());
  });
});

describe("catch-up order", () => {
  it("follows transaction ids numerically across a change in their digit count", async () => {
    await migrateEventStore(database.db, { schema: "ordering" });
    // Explicit ids of finished transactions across a power of ten below the server's current id,
    // e.g. 999 < 1000 < 1001 though "1000" < "999" as text (a fresh server may be below 10000).
    const { rows } = await sql<{ current: string }>`select pg_current_xact_id()::text as current`.execute(
      database.db,
    );
    const power = 10n ** BigInt(String(BigInt(rows[0]?.current ?? "0") - 2n).length - 1);
    for (const [version, transactionId] of [
      [1, String(power - 1n)],
      [2, String(power)],
      [3, String(power + 1n)],
    ] as const) {
      await sql`
        insert into ordering.events (event_id, stream_id, stream_version, type, data, transaction_id)
        values (${randomUUID()}, 'ordered', ${version}, 'test.order.kept', '{}', ${transactionId}::xid8)`.execute(
        database.db,
      );
    }
    const seen: number[] = [];
    const ordered = startAsyncProjection({
      db: database.db,
      schema: "ordering",
      batchSize: 1,
      pollMs: 10,
      projection: { name: "order", handle: async (_trx, event) => void seen.push(event.streamVersion) },
    });
    await ordered.drain();
    await ordered.stop();
    expect(seen).toEqual([1, 2, 3]);
  });
});
