import type {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
} from "prom-client";
import type { ConsumerLag } from "./consumer-lag.ts";

/** What the bus makes its instruments with; service-kit's `Metrics` is one (its own registry). */
export interface MetricFactory {
  counter<L extends string>(config: Omit<CounterConfiguration<L>, "registers">): Counter<L>;
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, "registers">): Histogram<L>;
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, "registers">): Gauge<L>;
}

/** How one delivery of a JetStream message ended. */
export type DeliveryOutcome = "acked" | "retried" | "dead_lettered";

/** The bus's measurements; `createBus` calls them, `busInstruments` records them. */
export interface BusInstruments {
  /** One request/reply answered: `outcome` is `ok` or the reply's error code. */
  served(subject: string, outcome: string, seconds: number): void;
  /** One delivery handled by the consumer named `consumer` (its purpose, not the durable). */
  delivered(consumer: string, outcome: DeliveryOutcome, seconds: number): void;
  /** Watches the lag of this bus's consumers, read from JetStream at each scrape. */
  watchConsumerLag(read: () => Promise<readonly ConsumerLag[]>): void;
}

/** Measures nothing: a bus made without `instruments`. */
export const NO_BUS_INSTRUMENTS: BusInstruments = {
  served() {},
  delivered() {},
  watchConsumerLag() {},
};

/** Seconds; from a cached read to a slow handler near the default 5 s time-out. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Prometheus instruments for operations, deliveries, dead letters and consumer lag. */
export function busInstruments(metrics: MetricFactory): BusInstruments {
  const operations = metrics.histogram({
    name: "bus_operation_duration_seconds",
    help: "Time to answer a request/reply operation, by subject and outcome (ok or the error code).",
    labelNames: ["subject", "outcome"],
    buckets: DURATION_BUCKETS,
  });
  const deliveries = metrics.histogram({
    name: "bus_consumer_delivery_duration_seconds",
    help: "Time to handle one JetStream delivery, by consumer and outcome (acked, retried, dead_lettered).",
    labelNames: ["consumer", "outcome"],
    buckets: DURATION_BUCKETS,
  });
  const deadLetters = metrics.counter({
    name: "bus_dead_letters_total",
    help: "Messages a consumer sent to the dead-letter stream.",
    labelNames: ["consumer"],
  });
  return {
    served(subject, outcome, seconds) {
      operations.observe({ subject, outcome }, seconds);
    },
    delivered(consumer, outcome, seconds) {
      deliveries.observe({ consumer, outcome }, seconds);
      if (outcome === "dead_lettered") deadLetters.inc({ consumer });
    },
    watchConsumerLag(read) {
      watchLag(metrics, read);
    },
  };
}

/** Three gauges filled by one JetStream read per scrape. */
function watchLag(metrics: MetricFactory, read: () => Promise<readonly ConsumerLag[]>): void {
  let current: Promise<readonly ConsumerLag[]> | undefined;
  // A scrape collects every gauge at once, so they share the read in flight; the next scrape reads again.
  const lagOnce = () => {
    current ??= read().finally(() => {
      current = undefined;
    });
    return current;
  };
  const gauge = (name: string, help: string, value: (lag: ConsumerLag) => number) =>
    metrics.gauge({
      name,
      help,
      labelNames: ["consumer"],
      async collect() {
        this.reset();
        for (const lag of await lagOnce()) this.set({ consumer: lag.consumer }, value(lag));
      },
    });
  gauge(
    "bus_consumer_pending_messages",
    "Messages of the consumer's filter not yet delivered to it (JetStream num_pending).",
    (lag) => lag.pending,
  );
  gauge(
    "bus_consumer_ack_pending_messages",
    "Messages delivered to the consumer and not yet acknowledged (JetStream num_ack_pending).",
    (lag) => lag.ackPending,
  );
  gauge(
    "bus_consumer_lag_seconds",
    "Age of the oldest message the consumer has not acknowledged; 0 when it is caught up.",
    (lag) => lag.lagSeconds,
  );
}
