import type { Bus, ConsumerLag } from "@tessera/bus";
import { type AnyDb, type CatchUpLag, LAG_COUNT_CAP, readCatchUpLag } from "@tessera/eventstore";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import { scrapedGauges } from "./scraped-gauges.ts";

/**
 * The outbox backlog and relay lag, each async projection's lag, and the positions behind them:
 * read from the service's event store at each scrape. Every series carries `schema`.
 */
export function catchUpLagGauges(
  metrics: Metrics,
  deps: { db: AnyDb; schema: string; logger: Logger },
): void {
  const { schema } = deps;
  const outbox = (lag: CatchUpLag) => lag.readers.filter((reader) => reader.isOutbox);
  const projections = (lag: CatchUpLag) => lag.readers.filter((reader) => !reader.isOutbox);
  scrapedGauges(
    metrics,
    { what: "catch-up lag", read: () => readCatchUpLag(deps.db, schema), logger: deps.logger },
    [
      {
        name: "eventstore_head_position",
        help: "Global position of the last committed event.",
        labelNames: ["schema"],
        fill: (gauge, lag) => gauge.set({ schema }, lag.head),
      },
      {
        name: "eventstore_checkpoint_position",
        help: "Global position each catch-up reader has reached ($outbox is the relay).",
        labelNames: ["schema", "reader"],
        fill: (gauge, lag) => {
          for (const reader of lag.readers) gauge.set({ schema, reader: reader.name }, reader.position);
        },
      },
      {
        name: "eventstore_outbox_backlog_events",
        help: `Committed events the outbox relay has not published yet (counted up to ${LAG_COUNT_CAP}).`,
        labelNames: ["schema"],
        fill: (gauge, lag) => {
          for (const reader of outbox(lag)) gauge.set({ schema }, reader.behind);
        },
      },
      {
        name: "eventstore_outbox_lag_seconds",
        help: "Age of the oldest committed event the outbox relay has not published; 0 when none waits.",
        labelNames: ["schema"],
        fill: (gauge, lag) => {
          for (const reader of outbox(lag)) gauge.set({ schema }, reader.lagSeconds);
        },
      },
      {
        name: "eventstore_projection_lag_events",
        help: `Committed events an async projection has not applied yet (counted up to ${LAG_COUNT_CAP}).`,
        labelNames: ["schema", "projection"],
        fill: (gauge, lag) => {
          for (const reader of projections(lag))
            gauge.set({ schema, projection: reader.name }, reader.behind);
        },
      },
      {
        name: "eventstore_projection_lag_seconds",
        help: "Age of the oldest committed event an async projection has not applied; 0 when caught up.",
        labelNames: ["schema", "projection"],
        fill: (gauge, lag) => {
          for (const reader of projections(lag))
            gauge.set({ schema, projection: reader.name }, reader.lagSeconds);
        },
      },
    ],
  );
}

/** How far each JetStream consumer of the service is behind, read from JetStream at each scrape. */
export function consumerLagGauges(
  metrics: Metrics,
  deps: { bus: Pick<Bus, "consumerLag">; logger: Logger },
): void {
  const each =
    (fill: (lag: ConsumerLag) => number) =>
    (gauge: { set(labels: { consumer: string }, value: number): void }, lags: ConsumerLag[]) => {
      for (const lag of lags) gauge.set({ consumer: lag.consumer }, fill(lag));
    };
  scrapedGauges(metrics, { what: "consumer lag", read: () => deps.bus.consumerLag(), logger: deps.logger }, [
    {
      name: "bus_consumer_pending_messages",
      help: "Messages of the consumer's filter not yet delivered to it (JetStream num_pending).",
      labelNames: ["consumer"],
      fill: each((lag) => lag.pending),
    },
    {
      name: "bus_consumer_ack_pending_messages",
      help: "Messages delivered to the consumer and not yet acknowledged (JetStream num_ack_pending).",
      labelNames: ["consumer"],
      fill: each((lag) => lag.ackPending),
    },
    {
      name: "bus_consumer_lag_seconds",
      help: "Age of the oldest message the consumer has not acknowledged; 0 when it is caught up.",
      labelNames: ["consumer"],
      fill: each((lag) => lag.lagSeconds),
    },
  ]);
}
