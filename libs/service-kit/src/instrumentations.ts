import FastifyOtel from "@fastify/otel";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";

/**
 * The libraries Tessera uses whose instrumentation exists: HTTP (the gateway's server, outgoing
 * calls), Fastify (route and hook spans), pg, ioredis, pino (trace ids in log lines). This module
 * imports none of them, so the preload (`instrument.ts`) can load it before they are.
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
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? "").split("?")[0] ?? ""),
        requireParentforOutgoingSpans: true,
      }),
      // The route's request and handler spans; a span per hook would double the spans of a request.
      new FastifyOtel.FastifyOtelInstrumentation({
        registerOnInitialization: true,
        recordExceptions: false,
        instrumentHooks: false,
        ignorePaths: ({ url }) => UNTRACED_PATHS.has(url),
      }),
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new PinoInstrumentation(),
    ],
  });
}
