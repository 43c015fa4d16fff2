import { sql } from "kysely";
import type { Gauge, GaugeConfiguration } from "prom-client";
import { type EventStoreLogger, orSilent } from "./processor.ts";
import { OUTBOX_CHECKPOINT } from "./relay.ts";
import { type AnyDb, assertSchemaName } from "./schema.ts";

/** What the store's gauges are made with; service-kit's `Metrics` is one. */
export interface GaugeFactory {
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, "registers">): Gauge<L>;
}

/** One catch-up reader (the outbox relay or an async projection) against the store's head. */
interface ReaderLag {
  name: string;
  position: number;
  behind: number;
  lagSeconds: number;
}

interface StoreLag {
  head: number;
  readers: ReaderLag[];
}

/** Events counted behind a reader at most, so a scrape stays cheap when one is far behind. */
export const LAG_COUNT_CAP = 100_000;

/** How long one scrape's read may take, in ms; then the gauges are left empty for that scrape. */
const READ_TIMEOUT_MS = 2_000;

export interface CatchUpLagOptions {
  db: AnyDb;
  schema: string;
  logger?: EventStoreLogger;
}

/**
 * Gauges of the outbox backlog and relay lag, each async projection's lag (events and seconds) and
 * the positions behind them, read from the store with one query per scrape.
 */
export function watchCatchUpLag(metrics: GaugeFactory, options: CatchUpLagOptions): void {
  const schema = assertSchemaName(options.schema);
  const logger = orSilent(options.logger);
  let current: Promise<StoreLag> | undefined;
  const lagOnce = () => {
    current ??= readLag(options.db, schema)
      .catch((error: unknown): StoreLag => {
        logger.warn({ err: error, schema }, "could not read the catch-up lag");
        return { head: Number.NaN, readers: [] };
      })
      // A scrape collects every gauge at once, so they share the read in flight; the next one reads again.
      .finally(() => {
        current = undefined;
      });
    return current;
  };
  const isOutbox = (reader: ReaderLag) => reader.name === OUTBOX_CHECKPOINT;
  const gauge = <L extends string>(
    config: { name: string; help: string; labelNames?: L[] },
    fill: (gauge: Gauge<L>, lag: StoreLag) => void,
  ) =>
    metrics.gauge<L>({
      ...config,
      async collect() {
        const lag = await lagOnce();
        this.reset();
        fill(this, lag);
      },
    });

  gauge(
    { name: "eventstore_head_position", help: "Global position of the last committed event." },
    (g, lag) => {
      if (Number.isFinite(lag.head)) g.set(lag.head);
    },
  );
  gauge(
    {
      name: "eventstore_checkpoint_position",
      help: "Global position each catch-up reader has reached ($outbox is the relay).",
      labelNames: ["schema", "reader"],
    },
    (g, lag) => {
      for (const reader of lag.readers) g.set({ schema, reader: reader.name }, reader.position);
    },
  );
  gauge(
    {
      name: "eventstore_outbox_backlog_events",
      help: `Committed events the outbox relay has not published yet (counted up to ${LAG_COUNT_CAP}).`,
      labelNames: ["schema"],
    },
    (g, lag) => {
      for (const reader of lag.readers.filter(isOutbox)) g.set({ schema }, reader.behind);
    },
  );
  gauge(
    {
      name: "eventstore_outbox_lag_seconds",
      help: "Age of the oldest committed event the outbox relay has not published; 0 when none waits.",
      labelNames: ["schema"],
    },
    (g, lag) => {
      for (const reader of lag.readers.filter(isOutbox)) g.set({ schema }, reader.lagSeconds);
    },
  );
  gauge(
    {
      name: "eventstore_projection_lag_events",
      help: `Committed events an async projection has not applied yet (counted up to ${LAG_COUNT_CAP}).`,
      labelNames: ["projection"],
    },
    (g, lag) => {
      for (const reader of lag.readers.filter((r) => !isOutbox(r)))
        g.set({ projection: reader.name }, reader.behind);
    },
  );
  gauge(
    {
      name: "eventstore_projection_lag_seconds",
      help: "Age of the oldest committed event an async projection has not applied; 0 when caught up.",
      labelNames: ["schema", "projection"],
    },
    (g, lag) => {
      for (const reader of lag.readers.filter((r) => !isOutbox(r)))
        g.set({ schema, projection: reader.name }, reader.lagSeconds);
    },
  );
}

async function readLag(db: AnyDb, schema: string): Promise<StoreLag> {
  const events = sql.table(`${schema}.events`);
  const read = Promise.all([
    sql<{ head: string }>`select coalesce(max(global_position), 0)::text as head from ${events}`.execute(db),
    sql<{ name: string; position: string; behind: number; lag_seconds: number | null }>`
      select c.name, c.global_position::text as position, behind.count::int as behind,
             extract(epoch from now() - behind.oldest)::float8 as lag_seconds
        from ${sql.table(`${schema}.checkpoints`)} c
        cross join lateral (
          select count(*) as count, min(e.recorded_at) as oldest
            from (select recorded_at from ${events} e
                   where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
                   limit ${LAG_COUNT_CAP}) e
        ) behind
       order by c.name`.execute(db),
  ]);
  // After a time-out its failure was reported already; it must not surface as an unhandled rejection.
  read.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READ_TIMEOUT_MS} ms`)), READ_TIMEOUT_MS);
  });
  try {
    const [head, readers] = await Promise.race([read, timedOut]);
    return {
      head: Number(head.rows[0]?.head ?? 0),
      readers: readers.rows.map((row) => ({
        name: row.name,
        position: Number(row.position),
        behind: row.behind,
        lagSeconds: Math.max(0, row.lag_seconds ?? 0),
      })),
    };
  } finally {
    clearTimeout(timer);
  }
}
