import { bootReport } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MemoryHarness, startMemoryHarness } from "./harness.ts";

let harness: MemoryHarness;

beforeAll(async () => {
  harness = await startMemoryHarness();
});

afterAll(async () => {
  await harness?.stop();
});

describe("memory at start-up", () => {
  it("migrates its own schema, provisions its streams and answers a ping", async () => {
    const report = await bootReport(harness.service, "memory", "memory");
    expect(report.tables).toEqual(
      expect.arrayContaining(["events", "processed_events", "memories", "memory_versions", "collections"]),
    );
    expect(report.streams).toEqual(["EVT_MEMORY", "JOBS", "DLQ"]);
    expect(report.ping).toEqual({ service: "memory", ready: true });
  });

  it("enables pgvector and indexes the configured dimension with HNSW", async () => {
    const { rows } = await sql<{ distance: number }>`
      select ${"[1,0,0]"}::vector <=> ${"[0,1,0]"}::vector as distance
    `.execute(harness.service.database.db);
    expect(rows[0]?.distance).toBeCloseTo(1);
    const indexes = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes where schemaname = 'memory' and indexname = 'memories_embedding_hnsw_384'
    `.execute(harness.service.database.db);
    expect(indexes.rows[0]?.indexdef).toContain("hnsw");
  });
});
