import { bootReport, type InProcessService, startInProcess } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestionConfigSchema } from "../src/config.ts";
import { startIngestionService } from "../src/service.ts";

let instance: InProcessService<Awaited<ReturnType<typeof startIngestionService>>>;

beforeAll(async () => {
  instance = await startInProcess({ configSchema: ingestionConfigSchema, start: startIngestionService });
});

afterAll(async () => {
  await instance?.stop();
});

describe("ingestion at start-up", () => {
  it("migrates its own schema, provisions its streams and answers a ping", async () => {
    const report = await bootReport(instance, "ingestion", "ingestion");
    expect(report.tables).toEqual(expect.arrayContaining(["events", "checkpoints", "processed_events"]));
    expect(report.streams).toEqual(["EVT_INGESTION", "JOBS", "DLQ"]);
    expect(report.ping).toEqual({ service: "ingestion", ready: true });
  });
});
