import { describe, expect, it } from "vitest";
import { createReadiness } from "../src/index.ts";

describe("createReadiness", () => {
  it("is ready when every check passes", async () => {
    const readiness = createReadiness();
    readiness.add({ name: "postgres", check: async () => {} });
    readiness.add({ name: "nats", check: async () => {} });
    await expect(readiness.run()).resolves.toEqual({
      ready: true,
      checks: { postgres: { ok: true }, nats: { ok: true } },
    });
  });

  it("reports each failing and timed-out check by name", async () => {
    const readiness = createReadiness({ checkTimeoutMs: 100 });
    readiness.add({ name: "postgres", check: async () => {} });
    readiness.add({
      name: "nats",
      check: async () => {
        throw new Error("connection closed");
      },
    });
    readiness.add({ name: "redis", check: () => new Promise<void>(() => {}) });
    const started = performance.now();
    const report = await readiness.run();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(report).toEqual({
      ready: false,
      checks: {
        postgres: { ok: true },
        nats: { ok: false, detail: "connection closed" },
        redis: { ok: false, detail: "timed out after 100 ms" },
      },
    });
  });
});
