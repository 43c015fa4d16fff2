import { bootReport, type InProcessService, startInProcess } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboundConfigSchema } from "../src/config.ts";
import { startOutboundService } from "../src/service.ts";

let instance: InProcessService<Awaited<ReturnType<typeof startOutboundService>>>;

beforeAll(async () => {
  instance = await startInProcess({ configSchema: outboundConfigSchema, start: startOutboundService });
});

afterAll(async () => {
  await instance?.stop();
});

describe("outbound at start-up", () => {
  it("migrates its own schema, provisions its streams and answers a ping", async () => {
    const report = await bootReport(instance, "outbound", "outbound");
    expect(report.tables).toEqual(expect.arrayContaining(["events", "checkpoints", "processed_events"]));
    expect(report.streams).toEqual(["EVT_OUTBOUND", "JOBS", "DLQ"]);
    expect(report.ping).toEqual({ service: "outbound", ready: true });
  });
});
