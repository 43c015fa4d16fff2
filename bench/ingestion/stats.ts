import { z } from "zod";

/** What the webhook load generator is told, through its environment (the secret stays off `ps`). */
export const LoadSettingsSchema = z.object({
  url: z.url(),
  secret: z.string().startsWith("whsec_"),
  connections: z.number().int().positive(),
  seconds: z.number().positive(),
});
export type LoadSettings = z.infer<typeof LoadSettingsSchema>;

/** What it prints, as one JSON line. */
export const LoadResultSchema = z.object({
  /** Deliveries answered 202: the only successes. */
  accepted: z.number(),
  /** Accepted per second of the run, in-flight tail included. */
  perSecond: z.number(),
  /** Of the accepted deliveries, in ms. */
  p50: z.number(),
  p99: z.number(),
  /** Every status seen, with its count. */
  statuses: z.record(z.string(), z.number()),
  /** Requests that got no answer (connection errors, time-outs). */
  errors: z.number(),
  /** The first failure's status and body (or error), to tell a bad signature from an overload. */
  sample: z.string().optional(),
});
export type LoadResult = z.infer<typeof LoadResultSchema>;

/** Requests that did not end in a 202. */
export const failures = (result: LoadResult): number =>
  result.errors +
  Object.entries(result.statuses).reduce((sum, [status, count]) => sum + (status === "202" ? 0 : count), 0);

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** The run with the median throughput, so the latencies printed belong to the same run. */
export function medianRun(results: readonly LoadResult[]): LoadResult {
  const sorted = [...results].sort((a, b) => a.perSecond - b.perSecond);
  const picked = sorted[Math.floor((sorted.length - 1) / 2)];
  if (picked === undefined) throw new Error("no runs");
  return picked;
}
