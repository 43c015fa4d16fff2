import type { EventEnvelope } from "@tessera/contracts";
import {
  type AppendListener,
  createEventStore,
  type EventStore,
  listenForAppends,
  migrateEventStore,
  type RunningProcessor,
  startOutboxRelay,
} from "@tessera/eventstore";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dropTestDatabase } from "./support.ts";

const schema = "es";
// Far beyond every wait below: an event that arrives in time was announced, not found by a poll.
const IDLE_POLL_MS = 120_000;
const ARRIVES_WITHIN_MS = 10_000;

let database: TestDatabase;
let store: EventStore;
let listener: AppendListener;
let relay: RunningProcessor;
const published: EventEnvelope[] = [];

beforeAll(async () => {
  database = await createTestDatabase("es_relay_notify");
  await migrateEventStore(database.db, { schema });
  store = createEventStore(database.db, { schema });
  listener = listenForAppends({ connectionString: database.url, schema, reconnectMs: 100 });
  relay = startOutboxRelay({
    db: database.db,
    schema,
    publisher: { publish: async (envelope) => void published.push(envelope) },
    appended: listener,
    idlePollMs: IDLE_POLL_MS,
    pollMs: 20,
  });
  // The relay's first round, and the listener's first look once it listens.
  await vi.waitFor(() => expect(listener.generation()).toBeGreaterThan(0), { timeout: ARRIVES_WITHIN_MS });
});

afterAll(async () => {
  await relay?.stop();
  await listener?.close();
  await dropTestDatabase(database);
});

async function appendOne(): Promise<string> {
  const streamId = testNamespace();
  await store.append(streamId, [{ type: "test.thing.happened", data: { streamId } }], { expectedVersion: 0 });
  return streamId;
}

const publishedStreams = () => published.map((envelope) => envelope.streamId);

describe("outbox relay woken by append notifications", () => {
  it("publishes an append at once instead of at its idle poll", async () => {
    const streamId = await appendOne();
    await expect.poll(publishedStreams, { timeout: ARRIVES_WITHIN_MS }).toContain(streamId);
  });

  it("keeps polling while an older open transaction hides a committed append", async () => {
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query("begin");
      // Takes a transaction id below the append's, so the append stays invisible to catch-up reads.
      await blocker.query("select pg_current_xact_id()");
      const streamId = await appendOne();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(publishedStreams()).not.toContain(streamId);
      // Ending the blocker announces nothing; only the relay's short poll can find the append now.
      await blocker.query("commit");
      await expect.poll(publishedStreams, { timeout: ARRIVES_WITHIN_MS }).toContain(streamId);
    } finally {
      await blocker.end();
    }
  });

  it("listens again after its connection is killed", async () => {
    const before = listener.generation();
    await sql`
      select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and query like 'LISTEN%'`.execute(database.db);
    // Reconnecting counts as a generation: readers look once for what was not announced.
    await expect.poll(() => listener.generation(), { timeout: ARRIVES_WITHIN_MS }).toBeGreaterThan(before);
    const streamId = await appendOne();
    await expect.poll(publishedStreams, { timeout: ARRIVES_WITHIN_MS }).toContain(streamId);
  });
});
