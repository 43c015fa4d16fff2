import type { EventEnvelope } from "@tessera/contracts";
import type { EventLike, NewEvent, StoredEvent } from "./events.ts";
import {
  createPersonalDataVault,
  type DeletePublishedCopies,
  type PersonalDataVault,
  type PersonalFields,
} from "./personal-data.ts";
import type { AsyncProjection } from "./projection.ts";
import type { EventPublisher } from "./relay.ts";
import type { AnyDb, AnyTransaction } from "./schema.ts";
import { type AppendOptions, createEventStore, type EventStore, type InlineProjection } from "./store.ts";

/** Says which fields of an event are personal and whose they are; undefined: none. */
export type PersonalDataPolicy = (event: EventLike) => PersonalFields | undefined;

/**
 * A policy from a table: the personal fields of each event type, all about the subject named by
 * `subjectField` in the event's data. An event whose subject is missing (null, say: a platform
 * memory without an owner) holds nothing personal.
 */
export function personalDataPolicy(spec: {
  subjectField: string;
  fields: Readonly<Record<string, readonly string[]>>;
}): PersonalDataPolicy {
  const byType = new Map(Object.entries(spec.fields));
  return (event) => {
    const fields = byType.get(event.type);
    if (fields === undefined || typeof event.data !== "object" || event.data === null) return undefined;
    const subjectId: unknown = (event.data as Record<string, unknown>)[spec.subjectField];
    return typeof subjectId === "string" && subjectId !== "" ? { subjectId, fields } : undefined;
  };
}

/** One service's event store, built on whatever handle (pool or transaction) the caller writes with. */
export interface EventStores {
  readonly schema: string;
  /** Its personal-data policy; none: the service keeps nothing personal in its events. */
  readonly personalData: PersonalDataPolicy | undefined;
  /** The store on `db`, sealing personal fields on append and opening them on read. */
  on(db: AnyDb | AnyTransaction): EventStore;
  /** The key vault on `db` (erasure destroys keys through it). */
  vault(db: AnyDb | AnyTransaction): PersonalDataVault;
}

/** The per-service event store factory: its schema and personal-data policy, declared once. */
export function eventStores(options: { schema: string; personalData?: PersonalDataPolicy }): EventStores {
  const { schema, personalData } = options;
  const vault = (db: AnyDb | AnyTransaction) => createPersonalDataVault(db, { schema });
  return {
    schema,
    personalData,
    vault,
    on: (db) => {
      const store = createEventStore(db, { schema });
      return personalData ? withPersonalData(store, { vault: vault(db), policy: personalData }) : store;
    },
  };
}

/** One inline projection of a read model and the event types it takes. */
export interface ReadModelPart {
  readonly types: ReadonlySet<string>;
  readonly project: (trx: AnyTransaction, events: readonly StoredEvent[]) => Promise<void>;
}

/** A part of a read model: `project` is typed by the events it is given. */
export function readModelPart<E extends EventLike>(
  types: readonly E["type"][],
  project: (trx: AnyTransaction, events: readonly StoredEvent<E>[]) => Promise<void>,
): ReadModelPart {
  return { types: new Set(types), project: project as ReadModelPart["project"] };
}

/**
 * A service's inline projections as one projection that `rebuildProjection` can replay: each event
 * has its sealed fields opened (an erased person's read as the placeholder), then goes to the part
 * that takes its type; other types are skipped.
 */
export function replayableReadModel(
  stores: EventStores,
  options: { name: string; parts: readonly ReadModelPart[]; reset: (trx: AnyTransaction) => Promise<void> },
): AsyncProjection {
  return {
    name: options.name,
    async handle(trx, event) {
      const part = options.parts.find((candidate) => candidate.types.has(event.type));
      if (part === undefined) return;
      const [open] = await stores.vault(trx).reveal([event]);
      if (open) await part.project(trx, [open]);
    },
    reset: options.reset,
  };
}

export interface PersonalDataOptions {
  /** Built on the same handle (pool or transaction) as the store it wraps. */
  vault: PersonalDataVault;
  policy: PersonalDataPolicy;
}

/**
 * The store, with personal fields sealed on append and opened on read: `readStream`, the returned
 * events and the inline projections all see plaintext (or `ERASED_PLACEHOLDER` once the subject's
 * key is destroyed); only the stored rows hold ciphertext.
 */
export function withPersonalData(store: EventStore, options: PersonalDataOptions): EventStore {
  const { vault, policy } = options;
  return {
    schema: store.schema,
    async readStream<E extends EventLike>(streamId: string) {
      const slice = await store.readStream<E>(streamId);
      return { events: await vault.reveal(slice.events), version: slice.version };
    },
    async append<E extends EventLike>(
      streamId: string,
      events: readonly NewEvent<E>[],
      appendOptions: AppendOptions<E>,
    ) {
      const sealed = await Promise.all(
        events.map(async (event) => {
          const personal = policy(event);
          return personal
            ? Object.assign({}, event, { data: await vault.seal(event.data, personal) })
            : event;
        }),
      );
      const plaintext = (stored: readonly StoredEvent<E>[]): StoredEvent<E>[] =>
        stored.map((event, index) => Object.assign({}, event, { data: events[index]?.data ?? event.data }));
      const inline = appendOptions.inline?.map(
        (project: InlineProjection<E>) => (trx: AnyTransaction, stored: readonly StoredEvent<E>[]) =>
          project(trx, plaintext(stored)),
      );
      const slice = await store.append<E>(streamId, sealed, { ...appendOptions, inline });
      return { events: plaintext(slice.events), version: slice.version };
    },
  };
}

/**
 * For a relay that must publish personal fields in the clear (the contract decides what leaves).
 * Where the bus stored each such event is remembered, so erasing the person deletes it there too;
 * a copy that an erasure racing this publish could not see is deleted here (`deleteCopies`).
 */
export function revealingPublisher(
  vault: PersonalDataVault,
  publisher: EventPublisher,
  deleteCopies: DeletePublishedCopies,
): EventPublisher {
  return {
    async publish(envelope: EventEnvelope) {
      const copy = await publisher.publish({ ...envelope, data: await vault.open(envelope.data) });
      if (copy) await vault.rememberCopy(envelope.eventId, envelope.data, copy, deleteCopies);
      return copy;
    },
  };
}
