import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import {
  activeTraceparent,
  childTraceparent,
  contextOfTraceparent,
  formatTraceparent,
  newTraceparent,
  parseTraceparent,
  traceIdOf,
} from "../src/trace.ts";

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

describe("trace context", () => {
  it("makes well-formed, distinct traceparents across many refills of the random pool", () => {
    const made = Array.from({ length: 5_000 }, () => newTraceparent());
    for (const traceparent of made) expect(traceparent).toMatch(TRACEPARENT);
    expect(new Set(made).size).toBe(made.length);
    expect(new Set(made.map(traceIdOf)).size).toBe(made.length);
  });

  it("keeps the parent's trace id and flags in a child span, with a new span id", () => {
    const parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
    const child = childTraceparent(parent);
    expect(traceIdOf(child)).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(child).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/);
    expect(child).not.toBe(parent);
  });

  it("starts a new trace when the parent is missing or malformed", () => {
    expect(childTraceparent(undefined)).toMatch(TRACEPARENT);
    expect(childTraceparent("00-nothex-b7ad6b7169203331-01")).toMatch(TRACEPARENT);
  });

  it("reads a traceparent into the parts of a span context and writes it back unchanged", () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const parts = parseTraceparent(traceparent);
    expect(parts).toEqual({
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
    });
    expect(parts && formatTraceparent(parts)).toBe(traceparent);
    expect(parseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331")).toBeUndefined();
  });

  it("names a remote parent from a traceparent, and no span is recorded without an SDK", () => {
    const parent = contextOfTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    expect(trace.getSpanContext(parent)).toMatchObject({ spanId: "b7ad6b7169203331", isRemote: true });
    expect(trace.getSpanContext(contextOfTraceparent("garbage"))).toBeUndefined();
    trace.getTracer("test").startActiveSpan("work", {}, parent, (span) => {
      expect(activeTraceparent()).toBeUndefined();
      span.end();
    });
  });
});
