import { randomUUID } from "node:crypto";
import type { EventEnvelope } from "@tessera/contracts";
import {
  type AnyDb,
  type AsyncProjection,
  createEventStore,
  createPersonalDataVault,
  ERASED_PLACEHOLDER,
  type EventLike,
  type EventStore,
  migrateEventStore,
  PersonalDataErasedError,
  rebuildProjection,
  revealingPublisher,
  SealedValueError,
  toEnvelope,
  withPersonalData,
} from "@tessera/eventstore";
import { createTestDatabase, type TestDatabase } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestDatabase } from "./support.ts";

const schema = "es";
let database: TestDatabase;

type Registered = {
  type: "test.person.registered";
  data: { personId: string; email: string; nickname: string; settings: { theme: string } };
};

beforeAll(async () => {
  database = await createTestDatabase("es_personal");
  await migrateEventStore(database.db, { schema });
  await sql`create table es.people (person_id text primary key, email text not null)`.execute(database.db);
});

afterAll(async () => {
  await dropTestDatabase(database);
});

function personalStore(db: AnyDb = database.db): EventStore {
  return withPersonalData(createEventStore(db, { schema }), {
    vault: createPersonalDataVault(db, { schema }),
    policy: (event: EventLike) =>
      event.type === "test.person.registered" && typeof event.data === "object" && event.data !== null
        ? { subjectId: String(Reflect.get(event.data, "personId")), fields: ["email", "settings"] }
        : undefined,
  });
}

function registered(personId: string, email: string): Registered {
  return {
    type: "test.person.registered",
    data: { personId, email, nickname: "ada", settings: { theme: "dark" } },
  };
}

const people: AsyncProjection<Registered> = {
  name: "people",
  async handle(trx, event) {
    const [open] = await createPersonalDataVault(trx, { schema }).reveal([event]);
    await sql`insert into es.people values (${open!.data.personId}, ${open!.data.email})`.execute(trx);
  },
  async reset(trx) {
    await sql`truncate es.people`.execute(trx);
  },
};

async function storedData(streamId: string): Promise<string> {
  const { rows } = await sql<{ data: string }>`
    select data::text as data from es.events where stream_id = ${streamId}`.execute(database.db);
  return rows.map((row) => row.data).join("\n");
}

describe("personal data in events", () => {
  it("stores declared fields only as ciphertext and reads them back in the clear", async () => {
    const personId = randomUUID();
    const email = `${personId}@example.com`;
    const seen: unknown[] = [];
    const appended = await personalStore().append(`person-${personId}`, [registered(personId, email)], {
      expectedVersion: 0,
      inline: [async (_trx, events) => void seen.push(...events.map((event) => event.data))],
    });

    const raw = await storedData(`person-${personId}`);
    expect(raw).not.toContain(email);
    expect(raw).not.toContain("dark");
    expect(raw).toContain('"nickname": "ada"');
    expect(appended.events[0]?.data).toEqual(registered(personId, email).data);
    expect(seen).toEqual([registered(personId, email).data]);
    const read = await personalStore().readStream<Registered>(`person-${personId}`);
    expect(read.events[0]?.data).toEqual(registered(personId, email).data);
  });

  it("reads the fields of a destroyed key as the placeholder and leaves other people readable", async () => {
    const erased = randomUUID();
    const kept = randomUUID();
    for (const personId of [erased, kept]) {
      await personalStore().append(`person-${personId}`, [registered(personId, `${personId}@example.com`)], {
        expectedVersion: 0,
      });
    }
    await createPersonalDataVault(database.db, { schema }).destroyKey(erased);
    await createPersonalDataVault(database.db, { schema }).destroyKey(erased);

    const gone = await personalStore().readStream<Registered>(`person-${erased}`);
    expect(gone.events[0]?.data).toEqual({
      personId: erased,
      email: ERASED_PLACEHOLDER,
      nickname: "ada",
      settings: ERASED_PLACEHOLDER,
    });
    const still = await personalStore().readStream<Registered>(`person-${kept}`);
    expect(still.events[0]?.data.email).toBe(`${kept}@example.com`);
    const { rows } = await sql`select key from es.personal_data_keys where subject_id = ${erased}`.execute(
      database.db,
    );
    expect(rows).toEqual([{ key: null }]);
  });

  it("refuses to store new personal data about an erased subject", async () => {
    const personId = randomUUID();
    await createPersonalDataVault(database.db, { schema }).destroyKey(personId);
    await expect(
      personalStore().append(`person-${personId}`, [registered(personId, "late@example.com")], {
        expectedVersion: 0,
      }),
    ).rejects.toBeInstanceOf(PersonalDataErasedError);
    expect(await storedData(`person-${personId}`)).toBe("");
  });

  it("rebuilds a projection from sealed events after an erasure", async () => {
    const erased = randomUUID();
    const kept = randomUUID();
    for (const personId of [erased, kept]) {
      await personalStore().append(`person-${personId}`, [registered(personId, `${personId}@example.com`)], {
        expectedVersion: 0,
      });
    }
    await createPersonalDataVault(database.db, { schema }).destroyKey(erased);
    await rebuildProjection(database.db, { schema, projection: people });
    const { rows } = await sql<{ person_id: string; email: string }>`
      select person_id, email from es.people where person_id in (${erased}, ${kept}) order by email`.execute(
      database.db,
    );
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        { person_id: erased, email: ERASED_PLACEHOLDER },
        { person_id: kept, email: `${kept}@example.com` },
      ]),
    );
  });

  it("gives every subject one key even when first uses race", async () => {
    const personId = randomUUID();
    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        personalStore().append(`person-${personId}-${index}`, [registered(personId, "race@example.com")], {
          expectedVersion: 0,
        }),
      ),
    );
    const { rows } = await sql`select 1 from es.personal_data_keys where subject_id = ${personId}`.execute(
      database.db,
    );
    expect(rows).toHaveLength(1);
    for (let index = 0; index < 8; index++) {
      const read = await personalStore().readStream<Registered>(`person-${personId}-${index}`);
      expect(read.events[0]?.data.email).toBe("race@example.com");
    }
  });

  it("refuses a sealed value moved into another person's event", async () => {
    const victim = randomUUID();
    const other = randomUUID();
    await personalStore().append(`person-${victim}`, [registered(victim, "victim@example.com")], {
      expectedVersion: 0,
    });
    await personalStore().append(`person-${other}`, [registered(other, "other@example.com")], {
      expectedVersion: 0,
    });
    // Copy the victim's sealed email into the other person's `settings` field: the field name is authenticated.
    await sql`
      update es.events set data = jsonb_set(data, '{settings}', (
        select data->'email' from es.events where stream_id = ${`person-${victim}`}))
       where stream_id = ${`person-${other}`}`.execute(database.db);
    await expect(personalStore().readStream(`person-${other}`)).rejects.toBeInstanceOf(SealedValueError);
  });

  it("publishes through a revealing publisher in the clear", async () => {
    const personId = randomUUID();
    const { events } = await createEventStore(database.db, { schema }).append(
      `person-${personId}`,
      [
        {
          type: "test.person.registered",
          data: await createPersonalDataVault(database.db, { schema }).seal(
            registered(personId, "pub@example.com").data,
            { subjectId: personId, fields: ["email"] },
          ),
        },
      ],
      { expectedVersion: 0 },
    );
    const published: EventEnvelope[] = [];
    const publisher = revealingPublisher(
      createPersonalDataVault(database.db, { schema }),
      { publish: async (envelope) => void published.push(envelope) },
      async () => undefined,
    );
    await publisher.publish(toEnvelope(events[0]!));
    expect(published[0]?.data).toEqual(registered(personId, "pub@example.com").data);
  });

  it("remembers where the bus stored each revealed event, and erasure deletes those copies first", async () => {
    const vault = createPersonalDataVault(database.db, { schema });
    const [ada, bob] = [randomUUID(), randomUUID()];
    const sealedFor = async (personId: string) => ({
      eventId: randomUUID(),
      data: await vault.seal(registered(personId, `${personId}@example.com`).data, {
        subjectId: personId,
        fields: ["email"],
      }),
    });
    let seq = 40;
    const deleted: unknown[] = [];
    const deleteCopies = async (copies: readonly unknown[]) => void deleted.push(...copies);
    const publisher = revealingPublisher(
      vault,
      { publish: async () => ({ stream: "EVT_TEST", seq: ++seq }) },
      deleteCopies,
    );
    const publish = async (event: { eventId: string; data: unknown }) =>
      publisher.publish({ ...toEnvelope(await storedFor(event)), eventId: event.eventId });
    await publish(await sealedFor(ada));
    await publish(await sealedFor(bob));
    const adaAgain = await sealedFor(ada);
    await publish(adaAgain);
    // A resend after the duplicate window is a second copy; within it, the same one again.
    await publish(adaAgain);
    seq--;
    await publish(adaAgain);
    const adaCopies = [41, 43, 44].map((at) => ({ stream: "EVT_TEST", seq: at }));
    expect(await vault.publishedCopies(ada)).toEqual(adaCopies);
    expect(deleted).toEqual([]);

    await vault.erase(ada, deleteCopies);
    expect(deleted).toEqual(adaCopies);
    expect(await vault.publishedCopies(ada)).toEqual([]);
    expect(await vault.open(adaAgain.data)).toMatchObject({ email: ERASED_PLACEHOLDER });
    // Again: nothing left to delete, and no error.
    await vault.erase(ada, deleteCopies);
    expect(deleted).toHaveLength(3);
    expect(await vault.publishedCopies(bob)).toEqual([{ stream: "EVT_TEST", seq: 42 }]);
  });

  it("deletes a copy published while an erasure of its subject was committing", async () => {
    const personId = randomUUID();
    const vault = createPersonalDataVault(database.db, { schema });
    const data = await vault.seal(registered(personId, "race@example.com").data, {
      subjectId: personId,
      fields: ["email"],
    });
    const stored = toEnvelope(await storedFor({ data }));
    const deleted: unknown[] = [];
    const deleteCopies = async (copies: readonly unknown[]) => void deleted.push(...copies);
    const sent: EventEnvelope[] = [];
    const publisher = revealingPublisher(
      vault,
      {
        publish: async (envelope) => {
          sent.push(envelope);
          return { stream: "EVT_RACE", seq: 7 };
        },
      },
      deleteCopies,
    );
    // The erasure destroys the key and looks for copies (none yet), but has not committed.
    const looked = Promise.withResolvers<readonly unknown[]>();
    const commit = Promise.withResolvers<void>();
    const erasing = database.db.transaction().execute(async (trx) => {
      await createPersonalDataVault(trx, { schema }).erase(personId, async (found) => looked.resolve(found));
      await commit.promise;
    });
    expect(await looked.promise).toEqual([]);
    // The relay still opens the old key (the erasure is not visible yet) and publishes in the clear.
    const publishing = publisher.publish(stored);
    await expect.poll(() => sent.length).toBe(1);
    expect(sent[0]?.data).toMatchObject({ email: "race@example.com" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(deleted).toEqual([]);
    commit.resolve();
    await Promise.all([erasing, publishing]);
    // Its check waited for the erasure and found the key gone: the copy is deleted, not remembered.
    expect(deleted).toEqual([{ stream: "EVT_RACE", seq: 7 }]);
    expect(await vault.publishedCopies(personId)).toEqual([]);
  });
});

/** A stored event holding `data`, for a publisher to send. */
async function storedFor(event: { data: unknown }) {
  const { events } = await createEventStore(database.db, { schema }).append(
    `person-${randomUUID()}`,
    [{ type: "test.person.registered", data: event.data }],
    { expectedVersion: 0 },
  );
  return events[0]!;
}
