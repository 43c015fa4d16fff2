import pg from "pg";
import { anyCommittedAfter, type CatchUpPosition } from "./catch-up.ts";
import { type EventStoreLogger, type Loop, orSilent } from "./processor.ts";
import { type AnyDb, assertSchemaName } from "./schema.ts";

/** The channel a schema's event store notifies on every committed append (see the migration). */
export function eventsChannel(schema: string): string {
  return `${assertSchemaName(schema)}.events`;
}

/**
 * Tells a catch-up reader that events were appended. `generation` counts notifications and
 * reconnects (after which some may have been missed), so a reader that notes it before reading
 * cannot miss an append that lands while it reads.
 */
export interface AppendSignal {
  generation(): number;
  /** Calls `wake` once `generation()` passes `seen` (soon, if it already has); returns the unsubscribe. */
  onAppendAfter(seen: number, wake: () => void): () => void;
}

export interface AppendListener extends AppendSignal {
  close(): Promise<void>;
}

export interface AppendListenerOptions {
  /** The database of the event store. */
  connectionString: string;
  schema: string;
  logger?: EventStoreLogger;
  /** Wait before connecting again after the listening connection fails, in ms. @default 1_000 */
  reconnectMs?: number;
}

/**
 * LISTENs on the schema's events channel on its own connection. Reconnects after failures; until
 * then readers fall back to their idle poll, so a lost connection costs latency, never events.
 */
export function listenForAppends(options: AppendListenerOptions): AppendListener {
  const channel = eventsChannel(options.schema);
  const logger = orSilent(options.logger);
  const reconnectMs = options.reconnectMs ?? 1_000;
  const waiters = new Set<() => void>();
  let generation = 0;
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const bump = () => {
    generation++;
    for (const wake of [...waiters]) wake();
  };

  /** Drops a failed connection (once, however many ways it reports failing) and tries again later. */
  const lost = (failed: pg.Client, error: unknown, message: string) => {
    if (closed || client !== failed) return;
    client = undefined;
    logger.warn({ err: error, channel }, message);
    void failed.end().catch(() => undefined);
    scheduleConnect();
  };

  const connect = async (): Promise<void> => {
    retry = undefined;
    const next = new pg.Client({ connectionString: options.connectionString });
    client = next;
    next.on("notification", bump);
    next.on("error", (error) => lost(next, error, "event notifications lost; reconnecting"));
    next.on("end", () => lost(next, undefined, "event notifications ended; reconnecting"));
    try {
      await next.connect();
      await next.query(`LISTEN "${channel}"`);
      // Anything appended while not listening was not announced: have readers look once.
      bump();
    } catch (error) {
      lost(next, error, "could not listen for event notifications; retrying");
    }
  };

  const scheduleConnect = () => {
    if (closed || retry !== undefined) return;
    retry = setTimeout(() => void connect(), reconnectMs);
  };

  void connect();

  return {
    generation: () => generation,
    onAppendAfter(seen, wake) {
      if (generation !== seen) {
        queueMicrotask(wake);
        return () => undefined;
      }
      const once = () => {
        waiters.delete(once);
        wake();
      };
      waiters.add(once);
      return () => waiters.delete(once);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      waiters.clear();
      await client?.end().catch(() => undefined);
    },
  };
}

/**
 * A caught-up reader's rest: until an append is announced after `seen` (noted before it read), or
 * `pollMs` while committed events after `position` are still hidden behind an older open
 * transaction (whose end announces nothing), else `idlePollMs` as a safety net.
 */
export async function restUntilAppended(
  loop: Loop,
  read: { db: AnyDb; schema: string; position: CatchUpPosition },
  appended: AppendSignal,
  seen: number,
  polls: { pollMs: number; idlePollMs: number },
): Promise<void> {
  const hidden = await anyCommittedAfter(read.db, read.schema, read.position);
  await loop.rest(hidden ? polls.pollMs : polls.idlePollMs, (wake) => appended.onAppendAfter(seen, wake));
}
