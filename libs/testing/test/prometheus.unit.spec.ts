import { describe, expect, it } from "vitest";
import { lintExposition, metricValue, parseExposition } from "../src/index.ts";

const clean = `# HELP jobs_processed_total Jobs done.
# TYPE jobs_processed_total counter
jobs_processed_total{job_type="a"} 3
jobs_processed_total{job_type="b"} 4
# HELP queue_age_seconds Age of the oldest item.
# TYPE queue_age_seconds gauge
queue_age_seconds 1.5
# HELP call_duration_seconds Call time.
# TYPE call_duration_seconds histogram
call_duration_seconds_bucket{outcome="ok",le="0.1"} 2
call_duration_seconds_bucket{outcome="ok",le="+Inf"} 5
call_duration_seconds_sum{outcome="ok"} 1.2
call_duration_seconds_count{outcome="ok"} 5
`;

describe("the promtool lint rules", () => {
  it("passes an exposition that follows the naming conventions", () => {
    expect(lintExposition(parseExposition(clean))).toEqual([]);
  });

  it("names every convention an exposition breaks", () => {
    const bad = `# TYPE requests counter
requests 1
# HELP open_total Open things.
# TYPE open_total gauge
open_total 2
# HELP latency_ms Latency.
# TYPE latency_ms gauge
latency_ms 3
# HELP wait_milliseconds Wait.
# TYPE wait_milliseconds gauge
wait_milliseconds 3
# HELP queueDepth Depth.
# TYPE queueDepth gauge
queueDepth{jobType="x"} 1
# HELP errors_counter Errors.
# TYPE errors_counter gauge
errors_counter 1
# HELP rows_count Rows.
# TYPE rows_count gauge
rows_count 1
`;
    expect(lintExposition(parseExposition(bad))).toEqual([
      "requests: no help text",
      'requests: counter metrics should have "_total" suffix',
      'open_total: non-counter metrics should not have "_total" suffix',
      "latency_ms: metric names should not contain abbreviated units",
      'wait_milliseconds: use base unit "seconds" instead of "milliseconds"',
      "queueDepth: metric names should be written in 'snake_case' not 'camelCase'",
      "queueDepth: label names should be written in 'snake_case' not 'camelCase' (jobType)",
      "errors_counter: metric name should not include type 'counter'",
      'rows_count: non-histogram and non-summary metrics should not have "_count" suffix',
    ]);
  });
});

describe("metricValue", () => {
  const families = parseExposition(clean);

  it("sums the series that carry the labels asked for, and counts a histogram's observations", () => {
    expect(metricValue(families, "jobs_processed_total")).toBe(7);
    expect(metricValue(families, "jobs_processed_total", { job_type: "b" })).toBe(4);
    expect(metricValue(families, "call_duration_seconds", { outcome: "ok" })).toBe(5);
    expect(metricValue(families, "jobs_processed_total", { job_type: "c" })).toBeUndefined();
    expect(metricValue(families, "missing_total")).toBeUndefined();
  });
});
