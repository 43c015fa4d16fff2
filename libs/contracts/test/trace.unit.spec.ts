import { describe, expect, it } from "vitest";
import { childTraceparent, newTraceparent, traceIdOf } from "../src/trace.ts";

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
});
