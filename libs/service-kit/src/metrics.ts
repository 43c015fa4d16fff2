import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  Registry,
} from "prom-client";

type Named<T> = Omit<T, "registers">;

export interface Metrics {
  readonly registry: Registry;
  /** `Content-Type` of `render()`. */
  readonly contentType: string;
  counter<L extends string>(config: Named<CounterConfiguration<L>>): Counter<L>;
  histogram<L extends string>(config: Named<HistogramConfiguration<L>>): Histogram<L>;
  gauge<L extends string>(config: Named<GaugeConfiguration<L>>): Gauge<L>;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
}

export interface MetricsOptions {
  service: string;
  /** Collect Node's process metrics (event loop lag, heap, GC). @default true */
  defaultMetrics?: boolean;
}

/**
 * prom-client's default gauges named like counters (promtool: "non-counter metrics should not have
 * _total suffix"). Each is the sum of a by-type gauge that stays (`nodejs_active_handles{type}`…).
 */
const MISNAMED_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
] as const;

/** A registry of its own (never the global one) with `service` on every series. */
export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: opts.service });
  if (opts.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  }
  return {
    registry,
    contentType: registry.contentType,
    counter: (config) => new Counter({ ...config, registers: [registry] }),
    histogram: (config) => new Histogram({ ...config, registers: [registry] }),
    gauge: (config) => new Gauge({ ...config, registers: [registry] }),
    render: () => registry.metrics(),
  };
}
