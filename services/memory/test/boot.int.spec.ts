import { bootReport, type InProcessService, startInProcess } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryConfigSchema } from "../src/config.ts";
import { startMemoryService } from "../src/service.ts";

let instance: InProcessService<Awaited<ReturnType<typeof startMemoryService>>>;

beforeAll(async () => {
  instance = await startInProcess({ configSchema: memoryConfigSchema, start: startMemoryService });
});

afterAll(async () => {
  await instance?.stop();
});

describe("memory at start-up", () => {
  it("migrates its own schema, provisions its streams and answers a ping", async () => {
    const report = await bootReport(instance, "memory", "memory");
    expect(report.tables).toEqual(expect.arrayContaining(["events", "checkpoints", "processed_events"]));
    expect(report.streams).toEqual(["EVT_MEMORY", "JOBS", "DLQ"]);
    expect(report.ping).toEqual({ service: "memory", ready: true });
  });

  it("enables pgvector for its embeddings", async () => {
    const { rows } = await sql<{ distance: number }>`
      select ${"[1,0,0]"}::vector <=> ${"[0,1,0]"}::vector as distance
    `.execute(instance.database.db);
    expect(rows[0]?.distance).toBeCloseTo(1);
  });
});
