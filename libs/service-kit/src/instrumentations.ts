import FastifyOtel from "@fastify/otel";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";

/**
 * The libraries Tessera uses whose instrumentation exists: HTTP (the gateway's server, outgoing
 * calls inside a span), Fastify (the route's request and handler spans), pg, ioredis, pino (trace
 * ids in log lines). Credentials in URLs and Redis keys stay out of the spans. This module imports
 * none of those libraries, so the preload (`instrument.ts`) can load it before they are.
 */

/** Modules the ESM hook must intercept for the instrumentations to patch them. */
export const INSTRUMENTED_MODULES = [
  "http",
  "node:http",
  "https",
  "node:https",
  "pg",
  "ioredis",
  "pino",
  "fastify",
];

/** Probes and scrapes that would each start a trace of their own. */
const UNTRACED_PATHS = new Set(["/live", "/ready", "/metrics"]);

/** Query parameters whose values are credentials (OAuth's code and state, link tokens), with OTel's own. */
const SECRET_QUERY_PARAMETERS = [
  "code",
  "state",
  "token",
  "sig",
  "Signature",
  "AWSAccessKeyId",
  "X-Goog-Signature",
];

/** Paths that carry a credential as a segment (the unsubscribe link's token). */
const SECRET_PATH = /^(\/v1\/unsubscribe\/)[^/?]+/;

/** The request's path for a span: no query string, credentials in it censored. */
export function tracedPath(url: string | undefined): string {
  return (url ?? "").split("?")[0]?.replace(SECRET_PATH, "$1[redacted]") ?? "";
}

let enabled = false;

/**
 * Registers the instrumentations with the global tracer provider (the SDK's once it starts). Only
 * modules loaded afterwards are patched, hence the preload; pg is patched even when loaded before.
 * Database and Redis calls outside any span (the relay's polling) start no trace.
 */
export function enableInstrumentations(): void {
  if (enabled) return;
  enabled = true;
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(tracedPath(request.url)),
        startIncomingSpanHook: (request) => ({ "url.path": tracedPath(request.url) }),
        redactedQueryParamsServer: SECRET_QUERY_PARAMETERS,
        redactedQueryParams: SECRET_QUERY_PARAMETERS,
        requireParentforOutgoingSpans: true,
      }),
      // The route's request and handler spans; a span per hook would double the spans of a request.
      new FastifyOtel.FastifyOtelInstrumentation({
        registerOnInitialization: true,
        recordExceptions: false,
        instrumentHooks: false,
        ignorePaths: ({ url }) => UNTRACED_PATHS.has(url),
        requestHook: (span, request) => span.setAttribute("url.path", tracedPath(request.url)),
      }),
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      // The command alone: keys name sessions, clients and idempotency entries.
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
      new PinoInstrumentation(),
    ],
  });
}
