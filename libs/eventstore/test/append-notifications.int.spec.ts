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

/** `pollMs` is the readers' wait while committed events are hidden from gap-safe reads. */
async function startReaders(schema: string, pollMs: number): Promise<Readers> {
  await migrateEventStore(database.db, { schema });
  const listener = listenForAppends({ connectionString: database.url, schema, reconnectMs: 100 });
  listeners.push(listener);
  const readers: Readers = {
    store: createEventStore(database.db, { schema }),
    listener,
    published: [],
    projected: [],
  };
  processors.push(
    startOutboxRelay({
      db: database.db,
      schema,
      publisher: { publish: async (envelope) => void readers.published.push(envelope.streamId) },
      appended: listener,
      idlePollMs: NEVER_MS,
      pollMs,
    }),
    startAsyncProjection({
      db: database.db,
      schema,
      projection: {
        name: "seen",
        handle: async (_trx, event) => void readers.projected.push(event.streamId),
      },
      appended: listener,
      idlePollMs: NEVER_MS,
      pollMs,
    }),
  );
  await vi.waitFor(() => expect(listener.generation()).toBeGreaterThan(0), { timeout: ARRIVES_WITHIN_MS });
  return readers;
}

let announcedOnly: Readers;
let polling: Readers;

beforeAll(async () => {
  database = await createTestDatabase("es_append_notify");
  // Woken by notifications and nothing else: these never poll within a test's time.
  announcedOnly = await startReaders("announced_only", NEVER_MS);
  // These also poll every 20 ms while committed events are hidden.
  polling = await startReaders("polling", 20);
});

afterAll(async () => {
  await Promise.all(processors.map((processor) => processor.stop()));
  await Promise.all(listeners.map((listener) => listener.close()));
  await dropTestDatabase(database);
});

async function appendOne(readers: Readers): Promise<string> {
  const streamId = testNamespace();
  await readers.store.append(streamId, [{ type: "test.thing.happened", data: { streamId } }], {
    expectedVersion: 0,
  });
  return streamId;
}

async function expectSeen(readers: Readers, streamId: string): Promise<void> {
  await expect.poll(() => readers.published, { timeout: ARRIVES_WITHIN_MS }).toContain(streamId);
  await expect.poll(() => readers.projected, { timeout: ARRIVES_WITHIN_MS }).toContain(streamId);
}

describe("relay and async projection woken by append notifications", () => {
  it("publish and project an append at once, with no poll that could find it", async () => {
    await expectSeen(announcedOnly, await appendOne(announcedOnly));
  });

  it("poll while an older open transaction hides a committed append, then find it", async () => {
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query("begin");
      // Takes a transaction id below the append's, so the append stays invisible to catch-up reads.
      await blocker.query("select pg_current_xact_id()");
      const streamId = await appendOne(polling);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(polling.published).not.toContain(streamId);
      expect(polling.projected).not.toContain(streamId);
      // Ending the blocker announces nothing; only the short polls can find the append now.
      await blocker.query("commit");
      await expectSeen(polling, streamId);
    } finally {
      await blocker.end();
    }
  });

  it("listen again after the listening connection is killed", async () => {
    const before = announcedOnly.listener.generation();
    await sql`
      select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and query like 'LISTEN%'`.execute(database.db);
    // Reconnecting counts as a generation: readers look once for what was not announced.
    await expect
      .poll(() => announcedOnly.listener.generation(), { timeout: ARRIVES_WITHIN_MS })
      .toBeGreaterThan(before);
    await expectSeen(announcedOnly, await appendOne(announcedOnly));
  });
});
