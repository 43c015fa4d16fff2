import type { EventEnvelope } from "@tessera/contracts";
import { sql } from "kysely";
import {
  advanceCheckpoint,
  anyCommittedAfter,
  type CatchUpPosition,
  committedHead,
  comparePositions,
  ensureCheckpoint,
  loadCheckpoint,
  readVisibleEventsAfter,
  START,
  VISIBILITY_WAIT_MS,
  waitForCheckpoint,
} from "./catch-up.ts";
import { CheckpointMovedError } from "./errors.ts";
import { toEnvelope } from "./events.ts";
import { type AppendSignal, restUntilAppended } from "./notifications.ts";
import {
  type EventStoreLogger,
  type Loop,
  orSilent,
  type RunningProcessor,
  runLoop,
  type StepOutcome,
} from "./processor.ts";
import { type AnyDb, assertSchemaName, lockKey, sleep } from "./schema.ts";
import { tracedEvent } from "./tracing.ts";

/** Where the bus stored a published event: what erasure deletes from it later. */
export interface PublishedCopy {
  readonly stream: string;
  readonly seq: number;
}

/**
 * Sends one event to the bus and resolves only once it is durable there (the JetStream PubAck),
 * with where it was stored (nothing for an event that stays private). The bus publishes to
 * `evt.<type>` with `Nats-Msg-Id = eventId`, so a resend is deduplicated.
 */
export interface EventPublisher {
  publish(envelope: EventEnvelope): Promise<PublishedCopy | undefined>;
}

/** The relay's checkpoint row; `$` keeps it apart from projection names. */
export const OUTBOX_CHECKPOINT = "$outbox";

export interface OutboxRelayOptions {
  db: AnyDb;
  schema: string;
  publisher: EventPublisher;
  logger?: EventStoreLogger;
  /**
   * Rest between polls once everything visible is published, in ms: always without `appended`, and
   * with it while committed events wait behind an older open transaction. @default 50
   */
  pollMs?: number;
  /** Wakes the relay when events are appended (`listenForAppends`); it then polls only every `idlePollMs`. */
  appended?: AppendSignal;
  /** With `appended`: the safety poll once everything committed is published, in ms. @default 1_000 */
  idlePollMs?: number;
  /** Events read per round; each is still acknowledged before the next is sent. @default 100 */
  batchSize?: number;
  /** How often a standby replica tries to take over, in ms. @default 1_000 */
  standbyRetryMs?: number;
  /** Rest after a failure (the lock is released first, so another replica may take over), in ms. @default 1_000 */
  errorBackoffMs?: number;
}

/**
 * Publishes every committed event, in catch-up order, exactly once or more. One relay per schema is
 * active: it holds a session advisory lock on a connection it keeps, and does all its work on that
 * connection, so if the connection dies the lock and the work stop together and a standby (retrying
 * every `standbyRetryMs`) takes over from the stored checkpoint.
 */
export function startOutboxRelay(options: OutboxRelayOptions): RunningProcessor {
  const schema = assertSchemaName(options.schema);
  const { db, publisher } = options;
  const logger = orSilent(options.logger);
  const pollMs = options.pollMs ?? 50;
  const batchSize = options.batchSize ?? 100;
  const idle = { appended: options.appended, idlePollMs: options.idlePollMs ?? 1_000 };
  const key = lockKey("relay", schema);
  const loop = runLoop({
    name: `outbox relay ${schema}`,
    logger,
    pollMs: options.standbyRetryMs ?? 1_000,
    errorBackoffMs: options.errorBackoffMs ?? 1_000,
    step: (loop): Promise<StepOutcome> =>
      db.connection().execute(async (conn): Promise<StepOutcome> => {
        const { rows } = await sql<{
          locked: boolean;
        }>`select pg_try_advisory_lock(${key}) as locked`.execute(conn);
        if (!rows[0]?.locked) return "idle";
        logger.info({ schema }, "outbox relay active");
        try {
          await ensureCheckpoint(conn, schema, OUTBOX_CHECKPOINT);
          await relayWhileActive(conn, schema, publisher, { batchSize, pollMs, loop, ...idle });
        } finally {
          await sql`select pg_advisory_unlock(${key})`.execute(conn);
        }
        return "idle";
      }),
  });
  return {
    stop: () => loop.stop(),
    drain: () =>
      waitForCheckpoint(db, schema, OUTBOX_CHECKPOINT, {
        pollMs: Math.min(pollMs, 50),
        isStopped: loop.isStopped,
        processor: `outbox relay ${schema}`,
      }),
  };
}

async function relayWhileActive(
  conn: AnyDb,
  schema: string,
  publisher: EventPublisher,
  options: { batchSize: number; pollMs: number; loop: Loop; appended?: AppendSignal; idlePollMs: number },
): Promise<void> {
  const { appended, loop } = options;
  let position = await loadCheckpoint(conn, schema, OUTBOX_CHECKPOINT);
  while (!loop.isStopped()) {
    // Noted before reading, so an append that commits meanwhile still wakes the rest below.
    const seen = appended?.generation() ?? 0;
    const from = position;
    const read = await publishBatch(conn, schema, publisher, from, options.batchSize);
    position = read.position;
    // A full batch may have more behind it; read on at once.
    if (read.count === options.batchSize) continue;
    if (appended === undefined) {
      if (position === from) await loop.rest(options.pollMs);
      continue;
    }
    // Everything visible is out.
    await restUntilAppended(loop, { db: conn, schema, position }, appended, seen, options);
  }
}

/**
 * Publishes one batch in order and marks what was acknowledged, even when a later publish fails;
 * a crash after an ack but before the mark means that event is sent again (deduplicated downstream).
 */
async function publishBatch(
  conn: AnyDb,
  schema: string,
  publisher: EventPublisher,
  from: CatchUpPosition,
  batchSize: number,
): Promise<{ position: CatchUpPosition; count: number }> {
  const batch = await readVisibleEventsAfter(conn, schema, from, batchSize);
  let acknowledged = from;
  let failure: { error: unknown } | undefined;
  try {
    for (const { event, position } of batch) {
      await tracedEvent(`relay ${event.type}`, schema, event, () => publisher.publish(toEnvelope(event)));
      acknowledged = position;
    }
  } catch (error) {
    failure = { error };
  }
  if (
    acknowledged !== from &&
    !(await advanceCheckpoint(conn, schema, OUTBOX_CHECKPOINT, from, acknowledged))
  ) {
    // Only a second active relay moves this row: the lock failed, so this one steps back.
    throw new CheckpointMovedError(OUTBOX_CHECKPOINT);
  }
  if (failure) throw failure.error;
  return { position: acknowledged, count: batch.length };
}

export interface RepublishOptions {
  schema: string;
  publisher: EventPublisher;
  /** First global position to send again (inclusive). */
  fromPosition: string | number | bigint;
  /** @default 500 */
  batchSize?: number;
}

/**
 * Sends every event at or after `fromPosition` that was committed before the call again, gap-safe
 * and in catch-up order: for when JetStream lost acknowledged messages. Leaves the relay's checkpoint alone.
 */
export async function republish(db: AnyDb, options: RepublishOptions): Promise<{ published: number }> {
  const schema = assertSchemaName(options.schema);
  const fromPosition = BigInt(options.fromPosition).toString();
  // Everything committed before the call, even what a running transaction still hides for a moment.
  const target = await committedHead(db, schema);
  let cursor = await firstCursorAt(db, schema, fromPosition);
  let published = 0;
  while (comparePositions(cursor, target) < 0) {
    const batch = await readVisibleEventsAfter(db, schema, cursor, options.batchSize ?? 500, fromPosition);
    if (batch.length === 0) {
      if (!(await anyCommittedAfter(db, schema, cursor, fromPosition))) break;
      await sleep(VISIBILITY_WAIT_MS);
    }
    for (const { event, position } of batch) {
      await tracedEvent(`relay ${event.type}`, schema, event, () =>
        options.publisher.publish(toEnvelope(event)),
      );
      cursor = position;
      published++;
    }
  }
  return { published };
}

/** Skips the transactions that only wrote before `fromPosition`. */
async function firstCursorAt(db: AnyDb, schema: string, fromPosition: string): Promise<CatchUpPosition> {
  const { rows } = await sql<{ transaction_text: string }>`
    select transaction_id::text as transaction_text from ${sql.table(`${schema}.events`)}
     where global_position >= ${fromPosition}::bigint
     order by transaction_id limit 1`.execute(db);
  const first = rows[0];
  return first ? { transactionId: first.transaction_text, globalPosition: "0" } : START;
}
