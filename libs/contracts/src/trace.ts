/** W3C trace context (`traceparent`) helpers: `00-<trace-id>-<parent-id>-<flags>`. */

import {
  type Attributes,
  type Context,
  context,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { TesseraError } from "./errors.ts";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const HEX = Array.from({ length: 256 }, (_unused, byte) => byte.toString(16).padStart(2, "0"));
const POOL_BYTES = 4096;
let pool = new Uint8Array(0);
let offset = 0;

/** Random ids come from a pooled buffer: one call into the CSPRNG per 4 KiB instead of one per id. */
function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    offset = 0;
  }
  let hex = "";
  let zero = true;
  for (let index = offset; index < offset + bytes; index++) {
    const byte = pool[index] ?? 0;
    if (byte !== 0) zero = false;
    hex += HEX[byte];
  }
  offset += bytes;
  // All-zero ids are invalid in W3C trace context; astronomically unlikely, but cheap to rule out.
  return zero ? randomHex(bytes) : hex;
}

/** A new sampled trace: fresh trace id and span id. */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/** A child span in the same trace, or a new trace when the parent is missing or malformed. */
export function childTraceparent(parent: string | undefined): string {
  const match = parent === undefined ? null : TRACEPARENT.exec(parent);
  if (!match) return newTraceparent();
  return `00-${match[2]}-${randomHex(8)}-${match[4]}`;
}

/** The trace id of a `traceparent`, if it is well formed. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent === undefined ? undefined : TRACEPARENT.exec(traceparent)?.[2];
}

/** The parts of a well-formed `traceparent`, as OpenTelemetry's span context names them. */
export interface TraceparentParts {
  readonly traceId: string;
  readonly spanId: string;
  /** 1 when sampled. */
  readonly traceFlags: number;
}

/** Splits a `traceparent`; undefined when it is missing or malformed. */
export function parseTraceparent(traceparent: string | undefined): TraceparentParts | undefined {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!match?.[2] || !match[3] || !match[4]) return undefined;
  return { traceId: match[2], spanId: match[3], traceFlags: Number.parseInt(match[4], 16) };
}

/** The `traceparent` naming one span. */
export function formatTraceparent(parts: TraceparentParts): string {
  return `00-${parts.traceId}-${parts.spanId}-${HEX[parts.traceFlags & 0xff]}`;
}

/*
 * What the bus and the event store share to write their spans, with `@opentelemetry/api` only:
 * without an SDK registered (no OTLP endpoint) every span is a no-op that records nothing.
 */

/** Attribute of a span whose work failed with a Tessera error: its stable code. */
export const ERROR_CODE_ATTRIBUTE = "tessera.error.code";

/** The remote parent a `traceparent` names, or the root context when it is missing or malformed. */
export function contextOfTraceparent(traceparent: string | undefined): Context {
  const parts = parseTraceparent(traceparent);
  return parts ? trace.setSpanContext(ROOT_CONTEXT, { ...parts, isRemote: true }) : ROOT_CONTEXT;
}

/** The `traceparent` of the active span when it is being recorded (tracing is on). */
export function activeTraceparent(): string | undefined {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? formatTraceparent(span.spanContext()) : undefined;
}

/** The active span when there is one (an HTTP request, a served request), else the `traceparent`'s. */
export function parentContext(traceparent: string | undefined): Context {
  return trace.getActiveSpan() === undefined ? contextOfTraceparent(traceparent) : context.active();
}

interface SpanOptions {
  kind: SpanKind;
  attributes: Attributes;
  parent: Context;
}

/**
 * Runs `work` in a new active span under `tracer`; a thrown error marks it failed unless it is a
 * refusal (a `TesseraError` below 500), which is an answer, not a fault.
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { kind: options.kind, attributes: options.attributes },
    options.parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        recordFailure(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Marks `span` failed with `error`; a refusal (a `TesseraError` below 500) only leaves its code. */
function recordFailure(span: Span, error: unknown): void {
  if (error instanceof TesseraError) {
    span.setAttribute(ERROR_CODE_ATTRIBUTE, error.code);
    if (error.status < 500) return;
  }
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    ...(error instanceof Error ? { message: error.message } : {}),
  });
}
