import { sql } from "kysely";
import {
  advanceCheckpoint,
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
import { CheckpointMovedError, EventStoreConfigError } from "./errors.ts";
import type { EventLike, StoredEvent } from "./events.ts";
import { type AppendSignal, restUntilAppended } from "./notifications.ts";
import {
  type EventStoreLogger,
  orSilent,
  type RunningProcessor,
  runLoop,
  type StepOutcome,
} from "./processor.ts";
import {
  type AnyDb,
  type AnyTransaction,
  assertProcessorName,
  assertSchemaName,
  lockKey,
  sleep,
} from "./schema.ts";
import { projectionAttributes, tracedEvent } from "./tracing.ts";

/** A read model kept up to date after the fact, from a stored checkpoint. */
export interface AsyncProjection<E extends EventLike = EventLike> {
  /** Names the checkpoint; keep it stable. */
  name: string;
  /** Applies one event, in the transaction that also moves the checkpoint past it. */
  handle(trx: AnyTransaction, event: StoredEvent<E>): Promise<void>;
  /** Empties the read model; needed by rebuildProjection. */
  reset?(trx: AnyTransaction): Promise<void>;
}

export interface AsyncProjectionOptions<E extends EventLike = EventLike> {
  db: AnyDb;
  schema: string;
  projection: AsyncProjection<E>;
  logger?: EventStoreLogger;
  /**
   * Rest between polls once caught up, in ms: always without `appended`, and with it while
   * committed events wait behind an older open transaction. @default 100
   */
  pollMs?: number;
  /** Wakes the projection when events are appended (`listenForAppends`); it then polls only every `idlePollMs`. */
  appended?: AppendSignal;
  /** With `appended`: the safety poll once caught up, in ms. @default 1_000 */
  idlePollMs?: number;
  /** Events per transaction. @default 100 */
  batchSize?: number;
  /** Rest after a failed batch (rolled back, retried), in ms. @default 1_000 */
  errorBackoffMs?: number;
}

/**
 * Runs a projection on every replica; a transaction-scoped advisory lock lets one replica at a time
 * apply a batch, so effects and checkpoint move together and nothing is applied twice.
 */
export function startAsyncProjection<E extends EventLike>(
  options: AsyncProjectionOptions<E>,
): RunningProcessor {
  const schema = assertSchemaName(options.schema);
  const { db, projection } = options;
  assertProcessorName(projection.name);
  const batchSize = options.batchSize ?? 100;
  const pollMs = options.pollMs ?? 100;
  const { appended } = options;
  const idlePollMs = options.idlePollMs ?? 1_000;
  let ready: Promise<void> | undefined;
  const loop = runLoop({
    name: `projection ${projection.name}`,
    logger: orSilent(options.logger),
    pollMs,
    errorBackoffMs: options.errorBackoffMs ?? 1_000,
    async step(loop): Promise<StepOutcome> {
      ready ??= ensureCheckpoint(db, schema, projection.name);
      await ready;
      // Noted before reading, so an append that commits meanwhile still wakes the rest below.
      const seen = appended?.generation() ?? 0;
      const applied = await applyNextBatch(db, schema, projection, batchSize);
      if (applied.count === batchSize) return "more";
      if (appended === undefined) return applied.count > 0 ? "more" : "idle";
      // Caught up, or another replica holds the projection (it moves on; this one waits for news).
      if (applied.at === undefined) await loop.rest(idlePollMs, (wake) => appended.onAppendAfter(seen, wake));
      else
        await restUntilAppended(loop, { db, schema, position: applied.at }, appended, seen, {
          pollMs,
          idlePollMs,
        });
      return "more";
    },
  });
  return {
    stop: () => loop.stop(),
    drain: () =>
      waitForCheckpoint(db, schema, projection.name, {
        pollMs: Math.min(pollMs, 50),
        isStopped: loop.isStopped,
        processor: `projection ${projection.name}`,
      }),
  };
}

/**
 * Applies the next batch: how many events, and the position it is at (none when another replica
 * holds the projection).
 */
async function applyNextBatch<E extends EventLike>(
  db: AnyDb,
  schema: string,
  projection: AsyncProjection<E>,
  batchSize: number,
): Promise<{ count: number; at?: CatchUpPosition }> {
  return db.transaction().execute(async (trx) => {
    // An advisory lock, not SELECT … FOR UPDATE: a row lock would give this transaction an id
    // while it waits, holding back every gap-safe reader in the database.
    const { rows } = await sql<{ locked: boolean }>`
      select pg_try_advisory_xact_lock(${lockKey("projection", schema, projection.name)}) as locked`.execute(
      trx,
    );
    if (!rows[0]?.locked) return { count: 0 };
    const from = await loadCheckpoint(trx, schema, projection.name);
    const batch = await readVisibleEventsAfter(trx, schema, from, batchSize);
    const last = batch.at(-1);
    if (last === undefined) return { count: 0, at: from };
    for (const { event } of batch) {
      const apply = () => projection.handle(trx, event as StoredEvent<E>);
      await tracedEvent(
        `project ${projection.name}`,
        schema,
        event,
        apply,
        projectionAttributes(projection.name),
      );
    }
    if (!(await advanceCheckpoint(trx, schema, projection.name, from, last.position))) {
      throw new CheckpointMovedError(projection.name);
    }
    return { count: batch.length, at: last.position };
  });
}

export interface RebuildOptions<E extends EventLike = EventLike> {
  schema: string;
  projection: AsyncProjection<E>;
  /** Events per transaction. @default 500 */
  batchSize?: number;
}

/**
 * Empties the read model and replays every event committed before the call (and whatever becomes
 * visible meanwhile), then leaves the
 * checkpoint there for the live projection to carry on. Live replicas pause meanwhile (they find
 * the projection's lock taken). Batches commit one by one, so queries see a partial read model
 * during the rebuild, but no long transaction holds back the relay and the other readers.
 */
export async function rebuildProjection<E extends EventLike>(
  db: AnyDb,
  options: RebuildOptions<E>,
): Promise<{ replayed: number }> {
  const schema = assertSchemaName(options.schema);
  const { projection } = options;
  assertProcessorName(projection.name);
  const reset = projection.reset?.bind(projection);
  if (reset === undefined) {
    throw new EventStoreConfigError(`Projection ${projection.name} has no reset(), so it cannot be rebuilt.`);
  }
  const key = lockKey("projection", schema, projection.name);
  const target = await committedHead(db, schema);
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${key})`.execute(conn);
    try {
      await conn.transaction().execute(async (trx) => {
        await reset(trx);
        await ensureCheckpoint(trx, schema, projection.name);
        const current = await loadCheckpoint(trx, schema, projection.name);
        await advanceCheckpoint(trx, schema, projection.name, current, START);
      });
      return { replayed: await replayUntil(conn, schema, projection, options.batchSize ?? 500, target) };
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(conn);
    }
  });
}

/** Applies batches until the checkpoint reaches `target`, resting while older transactions still hide events. */
async function replayUntil<E extends EventLike>(
  conn: AnyDb,
  schema: string,
  projection: AsyncProjection<E>,
  batchSize: number,
  target: CatchUpPosition,
): Promise<number> {
  let replayed = 0;
  for (;;) {
    const { count } = await applyNextBatch(conn, schema, projection, batchSize);
    replayed += count;
    if (count > 0) continue;
    if (comparePositions(await loadCheckpoint(conn, schema, projection.name), target) >= 0) return replayed;
    await sleep(VISIBILITY_WAIT_MS);
  }
}
