import type { Metrics } from "@tessera/service-kit";

/** Seconds; spans fast replies up to the upstream time-out. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface GatewayMetrics {
  /** One finished HTTP request; `route` is the pattern (`/v1/projects/:projectId`), never the raw URL. */
  observeHttp(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** One request/reply over NATS; `outcome` is `ok` or the failure's code. */
  observeUpstream(labels: { operation: string; outcome: string }, seconds: number): void;
}

export function createGatewayMetrics(metrics: Metrics): GatewayMetrics {
  const http = metrics.histogram({
    name: "http_request_duration_seconds",
    help: "Duration of HTTP requests served by the gateway, by route pattern and status.",
    labelNames: ["method", "route", "status_code"],
    buckets: DURATION_BUCKETS,
  });
  const upstream = metrics.histogram({
    name: "gateway_upstream_request_duration_seconds",
    help: "Duration of NATS request/reply calls from the gateway to services, by operation and outcome.",
    labelNames: ["operation", "outcome"],
    buckets: DURATION_BUCKETS,
  });
  return {
    observeHttp({ method, route, status }, seconds) {
      http.observe({ method, route, status_code: String(status) }, seconds);
    },
    observeUpstream({ operation, outcome }, seconds) {
      upstream.observe({ operation, outcome }, seconds);
    },
  };
}
