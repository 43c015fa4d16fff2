import type { Gauge } from "prom-client";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";

/** One gauge of a `scrapedGauges` group: filled from the group's read. */
export interface ScrapedGauge<T> {
  name: string;
  help: string;
  labelNames: readonly string[];
  fill(gauge: Gauge<string>, value: T): void;
}

export interface ScrapedGaugesOptions<T> {
  /** What is read, for the warning when it fails: "catch-up lag". */
  what: string;
  read(): Promise<T>;
  logger: Logger;
  /** Time a read may take, in ms; a slower one counts as failed for that scrape. @default 2_000 */
  timeoutMs?: number;
}

/**
 * Gauges read from their source at each scrape (Postgres, JetStream), one read shared by the
 * gauges of a scrape (prom-client collects them all at once). A failed or slow read is logged and
 * leaves the gauges without series for that scrape, never at a stale or zero value: give every
 * gauge a label, since prom-client shows an unlabelled gauge as 0 once reset.
 */
export function scrapedGauges<T>(
  metrics: Metrics,
  options: ScrapedGaugesOptions<T>,
  gauges: readonly ScrapedGauge<T>[],
): void {
  const timeoutMs = options.timeoutMs ?? 2_000;
  let current: Promise<T | undefined> | undefined;
  const readOnce = () => {
    current ??= withTimeout(options.read(), timeoutMs)
      .catch((error: unknown) => {
        options.logger.warn({ err: error }, `could not read the ${options.what} for /metrics`);
        return undefined;
      })
      .finally(() => {
        current = undefined;
      });
    return current;
  };
  for (const { name, help, labelNames, fill } of gauges) {
    metrics.gauge({
      name,
      help,
      labelNames: [...labelNames],
      async collect() {
        const value = await readOnce();
        this.reset();
        if (value !== undefined) fill(this, value);
      },
    });
  }
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  // After a time-out the failure was reported already; a late rejection must not go unhandled.
  work.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
