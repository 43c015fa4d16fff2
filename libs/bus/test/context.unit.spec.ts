import { headers } from "@nats-io/nats-core";
import { describe, expect, it } from "vitest";
import { contextFromHeaders, headersFromContext } from "../src/index.ts";

describe("message context headers", () => {
  it("round-trips a full context through NATS headers, roles as a comma list", () => {
    const ctx = {
      requestId: "req-1",
      traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      actor: "user-1",
      projectId: "7b0e2c4a-4f6e-4d8a-9a51-3c1a0f1e2d3b",
      roles: ["admin"],
      projectRole: "owner" as const,
      sessionId: "5f0c7d2e-8d1b-4a3f-9c6e-2b1a0f9e8d7c",
      clientIp: "2001:db8::1",
    };
    const hdrs = headersFromContext(ctx);
    expect(hdrs.get("x-roles")).toBe("admin");
    expect(hdrs.get("x-client-ip")).toBe("2001:db8::1");
    expect(contextFromHeaders(hdrs)).toEqual(ctx);
  });

  it("generates a request id when none came and drops malformed values", () => {
    const hdrs = headers();
    hdrs.set("traceparent", "not-a-trace");
    hdrs.set("x-project-id", "not-a-uuid");
    hdrs.set("x-client-ip", "999.1.1.1");
    const ctx = contextFromHeaders(hdrs);
    expect(ctx.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(ctx).not.toHaveProperty("traceparent");
    expect(ctx).not.toHaveProperty("projectId");
    expect(ctx).not.toHaveProperty("clientIp");
  });
});
