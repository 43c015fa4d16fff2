import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { startTelemetry } from "../src/index.ts";

describe("startTelemetry", () => {
  it("starts nothing without an endpoint", async () => {
    const telemetry = startTelemetry({ service: "auth" });
    expect(telemetry.enabled).toBe(false);
    await telemetry.shutdown();
  });

  it("installs a tracer provider when an endpoint is set, and shuts it down", async () => {
    const telemetry = startTelemetry({ service: "auth", endpoint: "http://127.0.0.1:1" });
    expect(telemetry.enabled).toBe(true);
    const span = trace.getTracer("test").startSpan("probe");
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.spanContext().traceId).not.toBe("0".repeat(32));
    await telemetry.shutdown();
  });
});
