import { lintExposition, parseExposition } from "@tessera/testing";
import { describe, expect, it } from "vitest";
import { childTraceparent, createMetrics, newTraceparent, traceIdOf } from "../src/index.ts";

describe("createMetrics", () => {
  it("exposes default and custom metrics labelled with the service", async () => {
    const metrics = createMetrics({ service: "memory" });
    const searches = metrics.counter({
      name: "memory_searches_total",
      help: "Searches run",
      labelNames: ["mode"],
    });
    searches.inc({ mode: "hybrid" });
    metrics
      .histogram({ name: "memory_search_seconds", help: "Search time", buckets: [0.1, 1] })
      .observe(0.05);
    const text = await metrics.render();
    expect(text).toContain('memory_searches_total{mode="hybrid",service="memory"} 1');
    expect(text).toContain('memory_search_seconds_bucket{le="0.1",service="memory"} 1');
    expect(text).toMatch(/process_cpu_user_seconds_total\{service="memory"\}/);
  });

  it("exposes Node's process metrics under names promtool accepts", async () => {
    const text = await createMetrics({ service: "memory" }).render();
    expect(lintExposition(parseExposition(text))).toEqual([]);
    expect(text).toMatch(/^nodejs_active_handles\{/m);
  });

  it("keeps registries apart, so two services in one process do not collide", async () => {
    createMetrics({ service: "a" }).counter({ name: "same_name_total", help: "x" });
    expect(() =>
      createMetrics({ service: "b" }).counter({ name: "same_name_total", help: "x" }),
    ).not.toThrow();
  });
});

describe("traceparent helpers", () => {
  it("starts a new trace and continues it with a new span id", () => {
    const parent = newTraceparent();
    expect(parent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const child = childTraceparent(parent);
    expect(traceIdOf(child)).toBe(traceIdOf(parent));
    expect(child).not.toBe(parent);
    expect(traceIdOf(childTraceparent("garbage"))).toMatch(/^[0-9a-f]{32}$/);
  });
});
