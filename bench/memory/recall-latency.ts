/**
 * pgvector as the memory service uses it: the real `memories` table and migrations, the partial
 * HNSW index over `embedding::vector(384)`, and the service's own vector query (with a project
 * filter through iterative index scans). Loads clustered, seeded synthetic vectors, then reports
 * insert throughput, index build time, recall@10 against exact search, and query latency
 * (p50/p99, without and with a filter, one client and eight at once).
 *   npm run bench:memory [-- --size 10000 --queries 200 --ef-search 100 --m 16 --ef-construction 64]
 * The machine is shared: develop with --size 10000; the full 100,000 takes a few minutes.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { runMigrations } from "@tessera/eventstore";
import { createTestDatabase } from "@tessera/testing";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import pgvector from "pgvector";
import * as enableVector from "../../services/memory/src/infra/migrations/2026_11_21_0001_enable_vector.ts";
import * as createMemories from "../../services/memory/src/infra/migrations/2026_11_22_0001_create_memories.ts";
import { type SearchFilters, vectorCandidates } from "../../services/memory/src/infra/search.ts";
import type { MemoryDb } from "../../services/memory/src/infra/tables.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "100000" },
    queries: { type: "string", default: "200" },
    "ef-search": { type: "string", default: "100" },
    m: { type: "string", default: "16" },
    "ef-construction": { type: "string", default: "64" },
    seed: { type: "string", default: "42" },
  },
});
const size = Number(values.size);
const queryCount = Number(values.queries);
const efSearch = Number(values["ef-search"]);
const m = Number(values.m);
const efConstruction = Number(values["ef-construction"]);
const DIMS = 384;
const CLUSTERS = 100;
const PROJECTS = 10;
const K = 10;
const MODEL = "bench";

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = rng(Number(values.seed));
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const normalise = (v: number[]) => {
  const norm = Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  return v.map((x) => x / norm);
};
const centres = Array.from({ length: CLUSTERS }, () => normalise(Array.from({ length: DIMS }, gaussian)));
/** A point near a random centre: clustered data, as real embeddings are. */
const sample = () => {
  const centre = centres[Math.floor(random() * CLUSTERS)] ?? [];
  return normalise(centre.map((x) => x + 0.06 * gaussian()));
};
const projects = Array.from({ length: PROJECTS }, () => randomUUID());

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const ms = (n: number) => `${n.toFixed(2)} ms`;

const database = await createTestDatabase("benchmem");
const db = new Kysely<MemoryDb>({
  dialect: new PostgresDialect({
    pool: new pg.Pool({ connectionString: database.url, max: 9, options: "-c search_path=memory,public" }),
  }),
});
try {
  await sql`create schema memory`.execute(db);
  await runMigrations(db, {
    schema: "memory",
    migrations: { "0001": enableVector, "0002": createMemories },
  });

  // Load without the index (the fastest way to fill a table), in batches of 1,000 rows.
  let started = performance.now();
  const now = new Date().toISOString();
  for (let offset = 0; offset < size; offset += 1_000) {
    const rows = Array.from({ length: Math.min(1_000, size - offset) }, (_, i) => ({
      id: randomUUID(),
      project_id: projects[(offset + i) % PROJECTS] ?? "",
      tier: "semantic",
      content: `synthetic ${offset + i}`,
      content_hash: String(offset + i),
      metadata: "{}",
      importance: 0.5,
      source_refs: "[]",
      version: 1,
      valid_from: now,
      created_at: now,
      updated_at: now,
      last_seen_at: now,
      embedding: pgvector.toSql(sample()),
      embedding_model: MODEL,
      embedding_dims: DIMS,
      embedding_version: 1,
    }));
    await db.insertInto("memories").values(rows).execute();
  }
  const insertSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  await db.connection().execute(async (connection) => {
    await sql`set maintenance_work_mem = '512MB'`.execute(connection);
    await sql`
      create index memories_embedding_hnsw_384 on memories
      using hnsw ((embedding::vector(384)) vector_cosine_ops)
      with (m = ${sql.lit(m)}, ef_construction = ${sql.lit(efConstruction)})
      where embedding_dims = 384
    `.execute(connection);
  });
  const buildSeconds = (performance.now() - started) / 1000;
  await sql`analyze memories`.execute(db);

  const queries = Array.from({ length: queryCount }, () => ({
    vector: sample(),
    project: projects[Math.floor(random() * PROJECTS)] ?? "",
  }));
  const filtersFor = (projectId: string | null): SearchFilters =>
    projectId === null
      ? // No project filter: every condition but the project (the benchmark's unfiltered case).
        { projectId: "", validAt: new Date() }
      : { projectId, validAt: new Date() };

  /** The service's query, or without the project condition for the unfiltered case. */
  const search = async (vector: number[], projectId: string | null) => {
    if (projectId !== null) {
      return (
        await vectorCandidates(db, filtersFor(projectId), {
          vector,
          model: MODEL,
          dimensions: DIMS,
          limit: K,
          efSearch,
        })
      ).map((c) => c.id);
    }
    return db.transaction().execute(async (trx) => {
      await sql`set local hnsw.ef_search = ${sql.lit(efSearch)}`.execute(trx);
      const { rows } = await sql<{ id: string }>`
        select id from memories where embedding_dims = 384
        order by (embedding::vector(384)) <=> ${pgvector.toSql(vector)}::vector(384) limit ${K}
      `.execute(trx);
      return rows.map((row) => row.id);
    });
  };
  const exact = async (vector: number[], projectId: string | null) =>
    db.transaction().execute(async (trx) => {
      await sql`set local enable_indexscan = off`.execute(trx);
      await sql`set local enable_bitmapscan = off`.execute(trx);
      const filter = projectId === null ? sql`true` : sql`project_id = ${projectId}`;
      const { rows } = await sql<{ id: string }>`
        select id from memories where embedding_dims = 384 and ${filter}
        order by (embedding::vector(384)) <=> ${pgvector.toSql(vector)}::vector(384) limit ${K}
      `.execute(trx);
      return rows.map((row) => row.id);
    });

  const recall = async (filtered: boolean) => {
    let hits = 0;
    let short = 0;
    for (const query of queries) {
      const project = filtered ? query.project : null;
      const truth = new Set(await exact(query.vector, project));
      const found = await search(query.vector, project);
      if (found.length < K) short++;
      hits += found.filter((id) => truth.has(id)).length;
    }
    return { recall: hits / (queries.length * K), short };
  };

  const latency = async (filtered: boolean, clients: number) => {
    const timings: number[] = [];
    let next = 0;
    const wall = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < queries.length * clients) {
          const query = queries[next++ % queries.length];
          if (!query) break;
          const t = performance.now();
          await search(query.vector, filtered ? query.project : null);
          timings.push(performance.now() - t);
        }
      }),
    );
    const qps = timings.length / ((performance.now() - wall) / 1000);
    timings.sort((a, b) => a - b);
    return { p50: percentile(timings, 50), p99: percentile(timings, 99), qps };
  };

  // Warm the index into shared buffers before timing.
  for (const query of queries.slice(0, 50)) await search(query.vector, null);
  const unfilteredRecall = await recall(false);
  const filteredRecall = await recall(true);
  const results = {
    single: await latency(false, 1),
    singleFiltered: await latency(true, 1),
    eight: await latency(false, 8),
    eightFiltered: await latency(true, 8),
  };

  console.log(
    `memory bench: ${size} vectors × ${DIMS} dims, ${CLUSTERS} clusters, ${PROJECTS} projects (filter ≈ 10 %)`,
  );
  console.log(
    `  HNSW m=${m} ef_construction=${efConstruction} ef_search=${efSearch}; ${queryCount} queries, k=${K}`,
  );
  console.log(
    `  insert throughput     ${(size / insertSeconds).toFixed(0)} rows/s (${insertSeconds.toFixed(1)} s, no index)`,
  );
  console.log(`  HNSW build            ${buildSeconds.toFixed(1)} s`);
  console.log(
    `  recall@10             ${unfilteredRecall.recall.toFixed(4)} unfiltered, ${filteredRecall.recall.toFixed(4)} filtered (short pages: ${filteredRecall.short})`,
  );
  for (const [label, r] of Object.entries(results)) {
    console.log(`  ${label.padEnd(20)}  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  ${r.qps.toFixed(0)} q/s`);
  }
  const target = unfilteredRecall.recall >= 0.95 && results.single.p99 <= 20;
  console.log(`  target (recall@10 ≥ 0.95, single-client p99 ≤ 20 ms): ${target ? "met" : "NOT met"}`);
} finally {
  await db.destroy();
  await database.drop();
}
