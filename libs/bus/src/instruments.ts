import type {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
} from "prom-client";

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
}

/** Measures nothing: a bus made without `instruments`. */
export const NO_BUS_INSTRUMENTS: BusInstruments = {
  served() {},
  delivered() {},
};

/** Seconds; from a cached read to a slow handler near the default 5 s time-out. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Prometheus instruments for operations, deliveries and dead letters (consumer lag: `Bus.consumerLag`). */
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
  };
}
