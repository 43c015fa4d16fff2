import type { EventEnvelope } from "@tessera/contracts";
import {
  createEventStore,
  type EventPublisher,
  handleOnce,
  migrateEventStore,
  republish,
  startOutboxRelay,
} from "@tessera/eventstore";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEventStream, type TestEventStream } from "./jetstream.ts";
import { dropTestDatabase } from "./support.ts";

const schema = "es";
const DUPLICATE_WINDOW_MS = 300;
let database: TestDatabase;
let bus: TestEventStream;

beforeAll(async () => {
  database = await createTestDatabase("es_relay");
  await migrateEventStore(database.db, { schema });
  await sql`create table es.welcome_emails (account text not null)`.execute(database.db);
  // A short duplicate window, so the resend is stored again and the consumer has to absorb it.
  bus = await createTestEventStream("relay", DUPLICATE_WINDOW_MS);
});

afterAll(async () => {
  await bus?.close();
  await dropTestDatabase(database);
});

/** Awaits the real PubAck, then fails: the relay dies after publishing but before marking. */
function crashingAfterAck(real: EventPublisher, published: EventEnvelope[]): EventPublisher {
  return {
    async publish(envelope) {
      await real.publish(envelope);
      published.push(envelope);
      throw new Error("crash between PubAck and marking published");
    },
  };
}

/** A consumer of the stream: handles every message it finds with handleOnce. */
async function consumeAll(): Promise<void> {
  for (const envelope of await bus.messages()) {
    await handleOnce(
      database.db,
      { schema, consumer: "mailer--on-registered", eventId: envelope.eventId },
      async (trx) => {
        const { account } = envelope.data as { account: string };
        await sql`insert into es.welcome_emails (account) values (${account})`.execute(trx);
      },
    );
  }
}

describe("outbox relay crash between PubAck and marking", () => {
  it("republishes after a restart, and an idempotent consumer has the effect exactly once", async () => {
    const account = testNamespace();
    const store = createEventStore(database.db, { schema });
    await store.append(account, [{ type: "test.account.registered", data: { account } }], {
      expectedVersion: 0,
    });

    const publishedBeforeCrash: EventEnvelope[] = [];
    const crashing = startOutboxRelay({
      db: database.db,
      schema,
      publisher: crashingAfterAck(bus.publisher, publishedBeforeCrash),
      pollMs: 10,
      errorBackoffMs: 60_000,
    });
    await expect.poll(() => publishedBeforeCrash.length).toBe(1);
    await crashing.stop();
    // Past the duplicate window, so JetStream stores the resend and the consumer has to absorb it.
    await new Promise((resolve) => setTimeout(resolve, DUPLICATE_WINDOW_MS + 200));
    expect((await bus.messages()).map((envelope) => envelope.streamId)).toEqual([account]);

    const restarted = startOutboxRelay({ db: database.db, schema, publisher: bus.publisher, pollMs: 10 });
    await restarted.drain();
    await restarted.stop();

    const messages = await bus.messages();
    expect(messages.map((envelope) => envelope.eventId)).toEqual([
      publishedBeforeCrash[0]!.eventId,
      publishedBeforeCrash[0]!.eventId,
    ]);
    await consumeAll();
    await consumeAll();
    const { rows } = await sql`select account from es.welcome_emails`.execute(database.db);
    expect(rows).toEqual([{ account }]);
  });

  it("republishes the stream from a position on demand, gap-safe and in order", async () => {
    const streamId = `republished-${testNamespace()}`;
    const store = createEventStore(database.db, { schema });
    const first = await store.append(streamId, [{ type: "test.note.added", data: { n: 1 } }], {
      expectedVersion: 0,
    });
    await store.append(streamId, [{ type: "test.note.added", data: { n: 2 } }], { expectedVersion: 1 });
    const sent: EventEnvelope[] = [];
    const { published } = await republish(database.db, {
      schema,
      publisher: { publish: async (envelope) => void sent.push(envelope) },
      fromPosition: first.events[0]!.globalPosition,
    });
    expect(published).toBe(2);
    expect(sent.map((envelope) => [envelope.streamId, envelope.streamVersion])).toEqual([
      [streamId, 1],
      [streamId, 2],
    ]);
  });
});

describe("outbox relay election", () => {
  it("keeps one relay active per schema; a standby takes over when the active one goes", async () => {
    const store = createEventStore(database.db, { schema });
    const sentBy = { first: 0, second: 0 };
    const counting = (name: keyof typeof sentBy): EventPublisher => ({
      async publish(envelope) {
        await bus.publisher.publish(envelope);
        sentBy[name]++;
      },
    });
    const first = startOutboxRelay({ db: database.db, schema, publisher: counting("first"), pollMs: 10 });
    const streamId = `elected-${testNamespace()}`;
    await store.append(streamId, [{ type: "test.note.added", data: { n: 1 } }], { expectedVersion: 0 });
    await first.drain();
    const second = startOutboxRelay({
      db: database.db,
      schema,
      publisher: counting("second"),
      pollMs: 10,
      standbyRetryMs: 20,
    });
    await store.append(streamId, [{ type: "test.note.added", data: { n: 2 } }], { expectedVersion: 1 });
    await first.drain();
    expect(sentBy.second).toBe(0);

    await first.stop();
    await store.append(streamId, [{ type: "test.note.added", data: { n: 3 } }], { expectedVersion: 2 });
    await second.drain();
    await second.stop();
    expect(sentBy.second).toBe(1);
  });
});
