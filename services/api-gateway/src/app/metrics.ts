import type { Metrics } from "@tessera/service-kit";

/** Seconds; spans fast replies up to the upstream time-out. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface GatewayMetrics {
  /** One finished HTTP request; `route` is the pattern (`/v1/projects/:projectId`), never the raw URL. */
  observeHttp(labels: { method: string; route: string; status: number }, seconds: number): void;
  /** One request/reply over NATS; `outcome` is `ok` or the failure's code. */
  observeUpstream(labels: { operation: string; outcome: string }, seconds: number): void;
  /** A read sent again after it got no reply (decision 0077); `reason`: timeout or no_responders. */
  upstreamRetry(labels: { operation: string; reason: string }): void;
  /** `decision`: allowed, limited, redis_down_open (let through) or redis_down_closed (refused). */
  rateLimitDecision(labels: { rateClass: string; decision: RateLimitOutcome }): void;
  /** `outcome`: stored, replayed, in_flight, body_mismatch, outcome_unknown. */
  idempotency(outcome: IdempotencyOutcome): void;
  /** `outcome`: hit, miss, invalidated (by an access-changing event). */
  accessCache(outcome: "hit" | "miss" | "invalidated"): void;
  /** Requests being served right now. */
  requestStarted(): void;
  requestFinished(): void;
}

export type RateLimitOutcome = "allowed" | "limited" | "redis_down_open" | "redis_down_closed";
export type IdempotencyOutcome = "stored" | "replayed" | "in_flight" | "body_mismatch" | "outcome_unknown";

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
  const retries = metrics.counter({
    name: "gateway_upstream_retries_total",
    help: "Reads sent to a service a second time after the first got no reply, by operation and reason (timeout, no_responders).",
    labelNames: ["operation", "reason"],
  });
  const rateLimits = metrics.counter({
    name: "gateway_rate_limit_decisions_total",
    help: "Rate-limit decisions by class; redis_down_* count requests decided without Redis.",
    labelNames: ["class", "decision"],
  });
  const idempotency = metrics.counter({
    name: "gateway_idempotency_requests_total",
    help: "Requests carrying an Idempotency-Key, by outcome (stored, replayed, in_flight, body_mismatch, outcome_unknown).",
    labelNames: ["outcome"],
  });
  const accessCache = metrics.counter({
    name: "gateway_access_cache_total",
    help: "Look-ups of cached roles and memberships (hit, miss) and invalidations by events.",
    labelNames: ["outcome"],
  });
  const inFlight = metrics.gauge({
    name: "gateway_http_requests_in_flight",
    help: "HTTP requests the gateway is serving right now.",
  });
  return {
    rateLimitDecision({ rateClass, decision }) {
      rateLimits.inc({ class: rateClass, decision });
    },
    idempotency(outcome) {
      idempotency.inc({ outcome });
    },
    accessCache(outcome) {
      accessCache.inc({ outcome });
    },
    requestStarted() {
      inFlight.inc();
    },
    requestFinished() {
      inFlight.dec();
    },
    observeHttp({ method, route, status }, seconds) {
      http.observe({ method, route, status_code: String(status) }, seconds);
    },
    observeUpstream({ operation, outcome }, seconds) {
      upstream.observe({ operation, outcome }, seconds);
    },
    upstreamRetry({ operation, reason }) {
      retries.inc({ operation, reason });
    },
  };
}
