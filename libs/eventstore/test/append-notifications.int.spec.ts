import {
  type AppendListener,
  createEventStore,
  type EventStore,
  listenForAppends,
  migrateEventStore,
  type RunningProcessor,
  startAsyncProjection,
  startOutboxRelay,
} from "@tessera/eventstore";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { dropTestDatabase } from "./support.ts";

// Far beyond every wait below: an event that arrives in time was announced, not found by a poll.
const NEVER_MS = 120_000;
const ARRIVES_WITHIN_MS = 10_000;
// The horizon is cluster-wide: other test files' open transactions hide appends here for a moment.
const HIDDEN_POLL_MS = 20;

let database: TestDatabase;
const processors: RunningProcessor[] = [];
const listeners: AppendListener[] = [];

/** A relay and a projection on one schema's notifications, and what each saw, by stream id. */
interface Readers {
  store: EventStore;
  listener: AppendListener;
  published: string[];
  projected: string[];
}

/** Readers that poll only while committed events are hidden from gap-safe reads; else they wait. */
async function startReaders(schema: string): Promise<Readers> {
  await migrateEventStore(database.db, { schema });
  const listener = listenForAppends({ connectionString: database.url, schema, reconnectMs: 100 });
  listeners.push(listener);
  const started: Readers = {
    store: createEventStore(database.db, { schema }),
    listener,
    published: [],
    projected: [],
  };
  processors.push(
    startOutboxRelay({
      db: database.db,
      schema,
      publisher: { publish: async (envelope) => void started.published.push(envelope.streamId) },
      appended: listener,
      idlePollMs: NEVER_MS,
      pollMs: HIDDEN_POLL_MS,
    }),
    startAsyncProjection({
      db: database.db,
      schema,
      projection: {
        name: "seen",
        handle: async (_trx, event) => void started.projected.push(event.streamId),
      },
      appended: listener,
      idlePollMs: NEVER_MS,
      pollMs: HIDDEN_POLL_MS,
    }),
  );
  await vi.waitFor(() => expect(listener.generation()).toBeGreaterThan(0), { timeout: ARRIVES_WITHIN_MS });
  return started;
}

let readers: Readers;

beforeAll(async () => {
  database = await createTestDatabase("es_append_notify");
  readers = await startReaders("announced");
});

afterAll(async () => {
  await Promise.all(processors.map((processor) => processor.stop()));
  await Promise.all(listeners.map((listener) => listener.close()));
  await dropTestDatabase(database);
});

async function appendOne(on: Readers): Promise<string> {
  const streamId = testNamespace();
  await on.store.append(streamId, [{ type: "test.thing.happened", data: { streamId } }], {
    expectedVersion: 0,
  });
  return streamId;
}

async function expectSeen(seen: Readers, streamId: string): Promise<void> {
  await expect.poll(() => seen.published, { timeout: ARRIVES_WITHIN_MS }).toContain(streamId);
  await expect.poll(() => seen.projected, { timeout: ARRIVES_WITHIN_MS }).toContain(streamId);
}

describe("relay and async projection woken by append notifications", () => {
  it("publish and project an append at once, with no poll that could find it", async () => {
    await expectSeen(readers, await appendOne(readers));
  });

  it("poll while an older open transaction hides a committed append, then find it", async () => {
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query("begin");
      // Takes a transaction id below the append's, so the append stays invisible to catch-up reads.
      await blocker.query("select pg_current_xact_id()");
      const streamId = await appendOne(readers);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(readers.published).not.toContain(streamId);
      expect(readers.projected).not.toContain(streamId);
      // Ending the blocker announces nothing; only the short polls can find the append now.
      await blocker.query("commit");
      await expectSeen(readers, streamId);
    } finally {
      await blocker.end();
    }
  });

  it("listen again after the listening connection is killed", async () => {
    const before = readers.listener.generation();
    await sql`
      select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and query like 'LISTEN%'`.execute(database.db);
    // Reconnecting counts as a generation: readers look once for what was not announced.
    await expect
      .poll(() => readers.listener.generation(), { timeout: ARRIVES_WITHIN_MS })
      .toBeGreaterThan(before);
    await expectSeen(readers, await appendOne(readers));
  });
});
