import { randomUUID } from "node:crypto";
import type { EventMetadata } from "@tessera/contracts";
import { type Insertable, type Kysely, sql, Transaction } from "kysely";
import { DuplicateEventIdError, ExpectedVersionConflictError, isUniqueViolation } from "./errors.ts";
import { type EventLike, type NewEvent, type StoredEvent, storedFromRow } from "./events.ts";
import {
  type AnyDb,
  type AnyTransaction,
  assertSchemaName,
  type EventStoreTables,
  type EventsTable,
  storeTables,
} from "./schema.ts";
import { tracedAppend } from "./tracing.ts";

/** A version number the stream must be at (0: the stream must not exist), or no check at all. */
export type ExpectedVersion = number | "any";

/**
 * A read model updated in the append's own transaction, for what the service's next request must
 * see (a unique email index). Whatever it throws aborts the append and reaches the caller unchanged.
 */
export type InlineProjection<E extends EventLike = EventLike> = (
  trx: AnyTransaction,
  events: readonly StoredEvent<E>[],
) => Promise<void>;

export interface AppendOptions<E extends EventLike = EventLike> {
  expectedVersion: ExpectedVersion;
  /** Stored with every event (request id, actor, trace); an event's own metadata wins. */
  metadata?: EventMetadata;
  inline?: readonly InlineProjection<E>[];
}

export interface StreamSlice<E extends EventLike = EventLike> {
  events: StoredEvent<E>[];
  /** The stream's version afterwards: the last stream version, 0 for a stream without events. */
  version: number;
}

export interface EventStore {
  readonly schema: string;
  readStream<E extends EventLike = EventLike>(streamId: string): Promise<StreamSlice<E>>;
  /** Appends in one transaction with the inline projections; the events are published by the relay. */
  append<E extends EventLike>(
    streamId: string,
    events: readonly NewEvent<E>[],
    options: AppendOptions<E>,
  ): Promise<StreamSlice<E>>;
}

/** With `expectedVersion: "any"`, a concurrent writer taking the same version is simply retried. */
const ANY_VERSION_ATTEMPTS = 5;
const STREAM_VERSION_CONSTRAINT = "events_stream_version_unique";
const EVENT_ID_CONSTRAINT = "events_event_id_unique";

export function createEventStore(db: AnyDb | AnyTransaction, options: { schema: string }): EventStore {
  const schema = assertSchemaName(options.schema);
  return {
    schema,
    readStream: (streamId) => readStream(storeTables(db, schema), streamId),
    async append(streamId, events, appendOptions) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await tracedAppend(schema, streamId, events.length, appendOptions.metadata, (metadata) =>
            appendInTransaction(db, schema, streamId, events, { ...appendOptions, metadata }),
          );
        } catch (error) {
          const retry =
            appendOptions.expectedVersion === "any" &&
            error instanceof ExpectedVersionConflictError &&
            attempt < ANY_VERSION_ATTEMPTS;
          if (!retry) throw error;
        }
      }
    },
  };
}

async function readStream<E extends EventLike>(
  db: Kysely<EventStoreTables>,
  streamId: string,
): Promise<StreamSlice<E>> {
  const rows = await db
    .selectFrom("events")
    .selectAll()
    .where("stream_id", "=", streamId)
    .orderBy("stream_version")
    .execute();
  const events = rows.map((row) => storedFromRow<E>(row));
  return { events, version: events.at(-1)?.streamVersion ?? 0 };
}

async function currentVersion(db: Kysely<EventStoreTables>, streamId: string): Promise<number> {
  const row = await db
    .selectFrom("events")
    .select((eb) => eb.fn.max("stream_version").as("version"))
    .where("stream_id", "=", streamId)
    .executeTakeFirst();
  return Number(row?.version ?? 0);
}

async function appendInTransaction<E extends EventLike>(
  db: AnyDb | AnyTransaction,
  schema: string,
  streamId: string,
  events: readonly NewEvent<E>[],
  options: AppendOptions<E>,
): Promise<StreamSlice<E>> {
  return inTransaction(db, async (trx) => {
    const tables = storeTables(trx, schema);
    // Read before the insert gives this transaction its id: every earlier version of the stream
    // then belongs to a transaction with a smaller id, which keeps catch-up order per stream.
    const current = await currentVersion(tables, streamId);
    const expected = options.expectedVersion;
    if (expected !== "any" && current !== expected) {
      throw new ExpectedVersionConflictError(streamId, expected, { actualVersion: current });
    }
    if (events.length === 0) return { events: [], version: current };
    const rows = events.map((event, index) => toRow(streamId, current + index + 1, event, options.metadata));
    const stored = await insertEvents<E>(tables, streamId, expected, rows);
    for (const project of options.inline ?? []) await project(trx, stored);
    return { events: stored, version: current + events.length };
  });
}

/**
 * Runs in the caller's transaction when the store was created on one (a consumer appending in the
 * same transaction that records the event as processed), else in a transaction of its own. In the
 * caller's transaction the append sits behind a savepoint: a version conflict (a unique violation)
 * rolls back only the append, so the caller's transaction stays usable and `handleCommand` can
 * decide again inside it instead of failing the whole request.
 */
async function inTransaction<T>(
  db: AnyDb | AnyTransaction,
  work: (trx: AnyTransaction) => Promise<T>,
): Promise<T> {
  if (!(db instanceof Transaction)) return db.transaction().execute(work);
  await sql`savepoint eventstore_append`.execute(db);
  let result: T;
  try {
    result = await work(db);
  } catch (error) {
    // Should the rollback itself fail, the transaction is beyond use and its commit reports it;
    // the caller still hears why the append failed.
    await sql`rollback to savepoint eventstore_append`.execute(db).catch(() => undefined);
    throw error;
  }
  await sql`release savepoint eventstore_append`.execute(db);
  return result;
}

function toRow(
  streamId: string,
  streamVersion: number,
  event: NewEvent,
  metadata: EventMetadata | undefined,
): Insertable<EventsTable> {
  return {
    event_id: event.eventId ?? randomUUID(),
    stream_id: streamId,
    stream_version: streamVersion,
    type: event.type,
    version: event.version ?? 1,
    data: JSON.stringify(event.data ?? null),
    metadata: JSON.stringify({ ...metadata, ...event.metadata }),
  };
}

async function insertEvents<E extends EventLike>(
  db: Kysely<EventStoreTables>,
  streamId: string,
  expected: ExpectedVersion,
  rows: Insertable<EventsTable>[],
): Promise<StoredEvent<E>[]> {
  try {
    const inserted = await db.insertInto("events").values(rows).returningAll().execute();
    return inserted.sort((a, b) => a.stream_version - b.stream_version).map((row) => storedFromRow<E>(row));
  } catch (error) {
    throw translateInsertError(error, streamId, expected);
  }
}

function translateInsertError(error: unknown, streamId: string, expected: ExpectedVersion): unknown {
  if (!isUniqueViolation(error)) return error;
  if (error.constraint === STREAM_VERSION_CONSTRAINT) {
    return new ExpectedVersionConflictError(streamId, expected, { cause: error });
  }
  if (error.constraint === EVENT_ID_CONSTRAINT) return new DuplicateEventIdError(streamId, { cause: error });
  return error;
}
