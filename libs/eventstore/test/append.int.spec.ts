import { randomUUID } from "node:crypto";
import { ConflictError, EventEnvelopeSchema } from "@tessera/contracts";
import {
  createEventStore,
  type Decider,
  DuplicateEventIdError,
  type EventLike,
  type EventStore,
  ExpectedVersionConflictError,
  handleCommand,
  type InlineProjection,
  migrateEventStore,
  toEnvelope,
} from "@tessera/eventstore";
import { createTestDatabase, type TestDatabase, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestDatabase } from "./support.ts";

const schema = "es";
let database: TestDatabase;
let store: EventStore;

beforeAll(async () => {
  database = await createTestDatabase("es_append");
  await migrateEventStore(database.db, { schema });
  await sql`create table es.emails (email text primary key, stream_id text not null)`.execute(database.db);
  store = createEventStore(database.db, { schema });
});

afterAll(async () => {
  await dropTestDatabase(database);
});

const streamOf = (label: string) => `${label}-${testNamespace()}`;
const noted = (n: number) => ({ type: "test.note.added", data: { n } });
const slowly: InlineProjection = async (trx) => {
  await sql`select pg_sleep(0.1)`.execute(trx);
};

type CounterEvent = { type: "test.counter.incremented"; data: { by: number } };
const counter: Decider<{ by: number }, CounterEvent, number> = {
  initialState: () => 0,
  decide: (command) => [{ type: "test.counter.incremented", data: { by: command.by } }],
  evolve: (total, event) => total + event.data.by,
};

class EmailTakenError extends ConflictError {
  override name = "EmailTakenError";
  constructor(options: { cause?: unknown } = {}) {
    super("test.email_taken", "That email is taken.", options);
  }
}

const emailIndex: InlineProjection = async (trx, events) => {
  for (const event of events) {
    const { email } = event.data as { email: string };
    try {
      await sql`insert into es.emails (email, stream_id) values (${email}, ${event.streamId})`.execute(trx);
    } catch (error) {
      throw new EmailTakenError({ cause: error });
    }
  }
};

describe("append", () => {
  it("lets exactly one of concurrent appends at the same expected version win", async () => {
    const streamId = streamOf("race");
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, (_, n) =>
        store.append(streamId, [noted(n)], { expectedVersion: 0, inline: [slowly] }),
      ),
    );
    const won = attempts.filter((attempt) => attempt.status === "fulfilled");
    const lost = attempts.flatMap((attempt) => (attempt.status === "rejected" ? [attempt.reason] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(5);
    for (const error of lost) {
      expect(error).toBeInstanceOf(ExpectedVersionConflictError);
      expect(error).toMatchObject({
        code: "conflict.concurrent_update",
        status: 409,
        streamId,
        expectedVersion: 0,
      });
    }
    const { events, version } = await store.readStream(streamId);
    expect(version).toBe(1);
    expect(events.map((event) => event.data)).toEqual([won[0]!.value.events[0]!.data]);
  });

  it("numbers a stream's events from the expected version and reads them back in order", async () => {
    const streamId = streamOf("order");
    await store.append(streamId, [noted(1), noted(2)], { expectedVersion: 0, metadata: { actor: "u1" } });
    const second = await store.append(streamId, [{ ...noted(3), metadata: { actor: "u2" } }], {
      expectedVersion: 2,
      metadata: { actor: "u1", requestId: "r-1" },
    });
    expect(second.version).toBe(3);
    const { events, version } = await store.readStream(streamId);
    expect(version).toBe(3);
    expect(events.map((event) => [event.streamVersion, event.data])).toEqual([
      [1, { n: 1 }],
      [2, { n: 2 }],
      [3, { n: 3 }],
    ]);
    expect(events[2]!.metadata).toEqual({ actor: "u2", requestId: "r-1" });
    expect(BigInt(events[1]!.globalPosition)).toBeGreaterThan(BigInt(events[0]!.globalPosition));
    expect(EventEnvelopeSchema.parse(toEnvelope(events[0]!))).toEqual(toEnvelope(events[0]!));
  });

  it("refuses an expected version that is behind or ahead of the stream", async () => {
    const streamId = streamOf("stale");
    await store.append(streamId, [noted(1)], { expectedVersion: 0 });
    await expect(store.append(streamId, [noted(2)], { expectedVersion: 0 })).rejects.toMatchObject({
      name: "ExpectedVersionConflictError",
      actualVersion: 1,
    });
    await expect(store.append(streamId, [noted(2)], { expectedVersion: 5 })).rejects.toBeInstanceOf(
      ExpectedVersionConflictError,
    );
    expect((await store.readStream(streamId)).version).toBe(1);
  });

  it("appends concurrently without a version check when asked for any version", async () => {
    const streamId = streamOf("any");
    await Promise.all(
      Array.from({ length: 5 }, (_, n) => store.append(streamId, [noted(n)], { expectedVersion: "any" })),
    );
    const { events } = await store.readStream(streamId);
    expect(events.map((event) => event.streamVersion)).toEqual([1, 2, 3, 4, 5]);
  });

  it("keeps a caller's event id and refuses to store it twice", async () => {
    const eventId = randomUUID();
    const appended = await store.append(streamOf("id"), [{ ...noted(1), eventId }], { expectedVersion: 0 });
    expect(appended.events[0]!.eventId).toBe(eventId);
    await expect(
      store.append(streamOf("id"), [{ ...noted(1), eventId }], { expectedVersion: 0 }),
    ).rejects.toBeInstanceOf(DuplicateEventIdError);
  });
});

describe("inline projections", () => {
  it("run in the append's transaction, and their own error rolls the events back and reaches the caller", async () => {
    const email = `${testNamespace()}@example.com`;
    const first = streamOf("account");
    const second = streamOf("account");
    const registered = { type: "test.account.registered", data: { email } };
    await store.append(first, [registered], { expectedVersion: 0, inline: [emailIndex] });
    const failure = store.append(second, [registered], { expectedVersion: 0, inline: [emailIndex] });
    await expect(failure).rejects.toBeInstanceOf(EmailTakenError);
    expect((await store.readStream(second)).events).toEqual([]);
    const { rows } = await sql`select stream_id from es.emails where email = ${email}`.execute(database.db);
    expect(rows).toEqual([{ stream_id: first }]);
  });

  it("see the stored events, positions included", async () => {
    const seen: unknown[] = [];
    const streamId = streamOf("seen");
    await store.append(streamId, [noted(1), noted(2)], {
      expectedVersion: 0,
      inline: [async (_trx, events) => void seen.push(...events.map((event) => event.streamVersion))],
    });
    expect(seen).toEqual([1, 2]);
  });
});

describe("handleCommand", () => {
  it("retries after a concurrent writer moved the stream, deciding again on the newer state", async () => {
    const streamId = streamOf("counter");
    let raced = false;
    const racing: EventStore = {
      ...store,
      async readStream<E extends EventLike>(id: string) {
        const slice = await store.readStream<E>(id);
        if (!raced) {
          raced = true;
          await store.append(id, counter.decide({ by: 10 }, 0), { expectedVersion: slice.version });
        }
        return slice;
      },
    };
    const result = await handleCommand(racing, counter, streamId, { by: 1 });
    expect(raced).toBe(true);
    expect(result).toMatchObject({ state: 11, version: 2 });
    expect(result.events.map((event) => event.streamVersion)).toEqual([2]);
  });

  it("surfaces the conflict once the retries are used up", async () => {
    const streamId = streamOf("counter");
    const alwaysRacing: EventStore = {
      ...store,
      async readStream<E extends EventLike>(id: string) {
        const slice = await store.readStream<E>(id);
        await store.append(id, counter.decide({ by: 10 }, 0), { expectedVersion: slice.version });
        return slice;
      },
    };
    const error = await handleCommand(alwaysRacing, counter, streamId, { by: 1 }, { retries: 2 }).catch(
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ExpectedVersionConflictError);
    expect((await store.readStream(streamId)).version).toBe(3);
    // What bus.serve sends the client: a stable code, and no stream, version or other internal name.
    const problem = (error as ExpectedVersionConflictError).toRemoteProblem();
    expect(problem).toMatchObject({ status: 409, code: "conflict.concurrent_update" });
    expect(JSON.stringify(problem)).not.toContain(streamId);
    expect(JSON.stringify(problem)).not.toMatch(/stream|version|eventstore/i);
    // The stream stays on the error itself, for the logs.
    expect(error).toMatchObject({ streamId });
  });

  it("decides again inside the caller's transaction after an insert lost a race, and the transaction commits", async () => {
    const streamId = streamOf("in-trx");
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding = () => {};
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    // A writer that has inserted version 1 but not committed: ours reads version 0, inserts
    // version 1 too, and waits on the unique index until this one commits.
    const competitor = database.db.transaction().execute(async (trx) => {
      await createEventStore(trx, { schema }).append(streamId, counter.decide({ by: 10 }, 0), {
        expectedVersion: 0,
      });
      holding();
      await gate;
    });
    await held;
    const ours = database.db.transaction().execute(async (trx) => {
      const result = await handleCommand(createEventStore(trx, { schema }), counter, streamId, { by: 1 });
      // The caller's own work after the retry: its transaction is still usable.
      await sql`insert into es.emails (email, stream_id) values (${streamId}, ${streamId})`.execute(trx);
      return result;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await sql<{ waiting: number }>`
        select count(*)::int as waiting from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock'`.execute(database.db);
      if ((rows[0]?.waiting ?? 0) > 0) break;
      if (Date.now() > deadline) throw new Error("our insert never waited on the competitor");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    release();
    await competitor;
    expect(await ours).toMatchObject({ state: 11, version: 2 });
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from es.emails where email = ${streamId}`.execute(database.db);
    expect(rows[0]?.n).toBe(1);
  });

  it("does not retry a domain error", async () => {
    let decided = 0;
    const refusing: Decider<{ by: number }, CounterEvent, number> = {
      ...counter,
      decide() {
        decided++;
        throw new EmailTakenError();
      },
    };
    await expect(handleCommand(store, refusing, streamOf("counter"), { by: 1 })).rejects.toBeInstanceOf(
      EmailTakenError,
    );
    expect(decided).toBe(1);
  });
});
