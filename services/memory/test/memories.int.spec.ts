import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { busNames, eventStreamName } from "@tessera/bus";
import {
  collectionsCreate,
  collectionsDelete,
  collectionsList,
  collectionsRename,
  type EventEnvelope,
  EventEnvelopeSchema,
  type MessageContext,
  memoriesForget,
  memoriesGet,
  memoriesHistory,
  memoriesRecord,
  memoriesRevise,
  memoriesSearch,
  memoryIdForChunk,
} from "@tessera/contracts";
import { rebuildProjection } from "@tessera/eventstore";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryReadModel } from "../src/app/read-model.ts";
import { eventually, type MemoryHarness, startMemoryHarness } from "./harness.ts";

let harness: MemoryHarness;

beforeAll(async () => {
  harness = await startMemoryHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const alice = randomUUID();
const projectA = randomUUID();
const projectB = randomUUID();
const ctx = (projectId: string, actor = alice): MessageContext => ({
  requestId: `req-${randomUUID()}`,
  actor,
  projectId,
  projectRole: "member",
});

const record = (projectId: string, body: { content: string } & Record<string, unknown>, actor = alice) =>
  harness.caller.request(memoriesRecord, { projectId, ...body }, ctx(projectId, actor));

function envelope(type: string, data: unknown): EventEnvelope {
  return {
    eventId: randomUUID(),
    type,
    version: 1,
    streamId: `x-${randomUUID()}`,
    streamVersion: 1,
    globalPosition: "1",
    occurredAt: new Date().toISOString(),
    data,
    metadata: { requestId: `req-${randomUUID()}` },
  };
}

/** The tables of the `memory` schema with a row whose text contains `needle`. */
/**
 * What the test's texts share, with a space: ciphertext is base64url and never holds one, so a
 * random match in a sealed field (a vector's ciphertext is long) cannot pass for plaintext.
 */
const DIARY = " diary";

async function tablesContaining(needle: string): Promise<string[]> {
  const db = harness.service.database.db;
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'memory' and table_type = 'BASE TABLE' order by table_name
  `.execute(db);
  const found: string[] = [];
  for (const { name } of tables) {
    const { rows } = await sql<{ hits: number }>`
      select count(*)::int as hits from ${sql.table(`memory.${name}`)} as t where t::text ilike ${`%${needle}%`}
    `.execute(db);
    if ((rows[0]?.hits ?? 0) > 0) found.push(name);
  }
  return found;
}

async function publish(event: EventEnvelope, msgId = event.eventId): Promise<void> {
  const subject = busNames(harness.service.namespace).subject(`evt.${event.type}`);
  await jetstream(harness.nc).publish(subject, JSON.stringify(event), { msgID: msgId });
}

describe("memories over NATS", () => {
  it("records a memory that is embedded at once and reads it back", async () => {
    const created = await record(projectA, {
      content: "Ada prefers tea over coffee in the morning",
      tier: "episodic",
      metadata: { topic: "drinks" },
      importance: 0.7,
      sourceRefs: [{ kind: "message", id: "msg-1" }],
    });
    expect(created).toMatchObject({
      result: "created",
      embedding: "ready",
      tier: "episodic",
      projectId: projectA,
      ownerId: alice,
      version: 1,
      metadata: { topic: "drinks" },
      sourceRefs: [{ kind: "message", id: "msg-1" }],
    });
    const read = await harness.caller.request(
      memoriesGet,
      { projectId: projectA, memoryId: created.id },
      ctx(projectA),
    );
    expect(read.content).toBe("Ada prefers tea over coffee in the morning");
  });

  it("refuses content over 32,000 characters and metadata over 16 KiB", async () => {
    await expect(record(projectA, { content: "x".repeat(32_001) })).rejects.toMatchObject({
      status: 400,
      code: "validation.failed",
    });
    await expect(
      record(projectA, { content: "fine", metadata: { blob: "y".repeat(16_400) } }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("revises a memory and keeps every version with its validity window", async () => {
    const created = await record(projectA, { content: "The office is in Lisbon" });
    const revised = await harness.caller.request(
      memoriesRevise,
      { projectId: projectA, memoryId: created.id, content: "The office moved to Porto" },
      ctx(projectA),
    );
    expect(revised).toMatchObject({ id: created.id, version: 2, content: "The office moved to Porto" });
    const history = await harness.caller.request(
      memoriesHistory,
      { projectId: projectA, memoryId: created.id, limit: 50 },
      ctx(projectA),
    );
    expect(history.items.map((v) => [v.version, v.content])).toEqual([
      [1, "The office is in Lisbon"],
      [2, "The office moved to Porto"],
    ]);
    expect(history.items[0]?.validTo).toBe(history.items[1]?.validFrom);
    expect(history.items[1]?.validTo).toBeNull();
  });

  it("supersedes an older memory when a new one replaces it, and search finds only the new one", async () => {
    const old = await record(projectA, { content: "Grace's favourite editor is nano" });
    const replacement = await record(projectA, {
      content: "Grace's favourite editor is vim",
      supersedes: old.id,
    });
    const stale = await harness.caller.request(
      memoriesGet,
      { projectId: projectA, memoryId: old.id },
      ctx(projectA),
    );
    expect(stale.supersededBy).toBe(replacement.id);
    expect(stale.validTo).not.toBeNull();
    const found = await harness.caller.request(
      memoriesSearch,
      { projectId: projectA, query: "Grace favourite editor", mode: "keyword" },
      ctx(projectA),
    );
    expect(found.items.map((item) => item.memory.id)).toEqual([replacement.id]);
  });

  it("forgets a memory: it is gone for reads and for search", async () => {
    const created = await record(projectA, { content: "a temporary note about zebras" });
    await harness.caller.request(
      memoriesForget,
      { projectId: projectA, memoryId: created.id },
      ctx(projectA),
    );
    await expect(
      harness.caller.request(memoriesGet, { projectId: projectA, memoryId: created.id }, ctx(projectA)),
    ).rejects.toMatchObject({ status: 404, code: "memory.not_found" });
    const found = await harness.caller.request(
      memoriesSearch,
      { projectId: projectA, query: "zebras", mode: "keyword" },
      ctx(projectA),
    );
    expect(found.items).toEqual([]);
  });

  it("reinforces a near-duplicate in the same project and collection instead of adding a copy", async () => {
    const first = await record(projectA, {
      content: "The deploy runs every Friday at noon",
      importance: 0.4,
    });
    const again = await record(projectA, {
      content: "the deploy runs every friday at noon!",
      importance: 0.4,
    });
    expect(again).toMatchObject({ id: first.id, result: "reinforced", reinforcements: 1 });
    expect(again.importance).toBeGreaterThan(0.4);
    const near = await record(projectA, { content: "The deploy runs every Friday at noon sharp" });
    expect(near).toMatchObject({ id: first.id, result: "reinforced", reinforcements: 2 });
    const elsewhere = await record(projectB, { content: "The deploy runs every Friday at noon" });
    expect(elsewhere).toMatchObject({ result: "created" });
    expect(elsewhere.id).not.toBe(first.id);
    const different = await record(projectA, { content: "Lunch is served in the canteen on Mondays" });
    expect(different.result).toBe("created");
  });
});

describe("search", () => {
  const projectS = randomUUID();
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const contents = {
      postgres: "PostgreSQL vacuum settings tuned for heavy write workloads",
      cooking: "A recipe for sourdough bread with a long cold fermentation",
      hiking: "Trail notes from hiking the Pyrenees in early autumn",
      guitar: "Practising fingerstyle guitar arrangements of jazz standards",
    };
    for (const [key, content] of Object.entries(contents)) {
      ids[key] = (await record(projectS, { content, tier: key === "hiking" ? "episodic" : "semantic" })).id;
    }
  });

  for (const mode of ["vector", "keyword", "hybrid"] as const) {
    it(`ranks the obvious match first in ${mode} mode, with scores`, async () => {
      const found = await harness.caller.request(
        memoriesSearch,
        { projectId: projectS, query: "sourdough bread recipe", mode, limit: 10 },
        ctx(projectS),
      );
      expect(found.items[0]?.memory.id).toBe(ids.cooking);
      expect(found.items[0]?.score).toBeGreaterThan(0);
      const scores = found.items.map((item) => item.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    });
  }

  it("filters by tier, owner, metadata and creation time", async () => {
    const bob = randomUUID();
    const tagged = await record(
      projectS,
      { content: "sourdough starter feeding schedule", metadata: { kitchen: true } },
      bob,
    );
    const byTier = await harness.caller.request(
      memoriesSearch,
      { projectId: projectS, query: "hiking or sourdough", mode: "keyword", tiers: ["episodic"] },
      ctx(projectS),
    );
    expect(byTier.items.map((item) => item.memory.id)).toEqual([ids.hiking]);
    const byOwner = await harness.caller.request(
      memoriesSearch,
      { projectId: projectS, query: "sourdough", mode: "hybrid", ownerId: bob },
      ctx(projectS),
    );
    expect(byOwner.items.map((item) => item.memory.id)).toEqual([tagged.id]);
    const byMetadata = await harness.caller.request(
      memoriesSearch,
      { projectId: projectS, query: "sourdough", mode: "vector", metadata: { kitchen: true } },
      ctx(projectS),
    );
    expect(byMetadata.items.map((item) => item.memory.id)).toEqual([tagged.id]);
    const later = await harness.caller.request(
      memoriesSearch,
      { projectId: projectS, query: "sourdough", mode: "keyword", createdAfter: tagged.createdAt },
      ctx(projectS),
    );
    expect(later.items.map((item) => item.memory.id)).toEqual([tagged.id]);
  });

  it("fills the limit under a selective filter (iterative index scans)", async () => {
    const projectF = randomUUID();
    for (let i = 0; i < 40; i++) {
      await record(projectF, {
        content: `note number ${i} about topic ${i % 7} and item ${i * 13}`,
        tier: i % 4 === 0 ? "procedural" : "semantic",
      });
    }
    const found = await harness.caller.request(
      memoriesSearch,
      { projectId: projectF, query: "note about topic", mode: "vector", tiers: ["procedural"], limit: 10 },
      ctx(projectF),
    );
    expect(found.items).toHaveLength(10);
    expect(found.items.every((item) => item.memory.tier === "procedural")).toBe(true);
  });
});

describe("collections", () => {
  it("creates, lists with paging, renames, and refuses a duplicate name", async () => {
    const projectC = randomUUID();
    const names = ["Alpha", "Beta", "Gamma"];
    for (const name of names) {
      await harness.caller.request(
        collectionsCreate,
        { projectId: projectC, name, description: null },
        ctx(projectC),
      );
    }
    const first = await harness.caller.request(
      collectionsList,
      { projectId: projectC, limit: 2 },
      ctx(projectC),
    );
    expect(first.items.map((c) => c.name)).toEqual(["Alpha", "Beta"]);
    const second = await harness.caller.request(
      collectionsList,
      { projectId: projectC, limit: 2, cursor: first.nextCursor ?? undefined },
      ctx(projectC),
    );
    expect(second).toMatchObject({ items: [{ name: "Gamma" }], nextCursor: null });
    await expect(
      harness.caller.request(
        collectionsCreate,
        { projectId: projectC, name: "alpha", description: null },
        ctx(projectC),
      ),
    ).rejects.toMatchObject({ status: 409, code: "memory.collection_name_taken" });
    const gamma = second.items[0];
    if (!gamma) throw new Error("no collection");
    const renamed = await harness.caller.request(
      collectionsRename,
      { projectId: projectC, collectionId: gamma.id, name: "Delta" },
      ctx(projectC),
    );
    expect(renamed.name).toBe("Delta");
  });

  it("deletes a collection keeping its memories, or together with them", async () => {
    const projectD = randomUUID();
    const keep = await harness.caller.request(
      collectionsCreate,
      { projectId: projectD, name: "keep", description: null },
      ctx(projectD),
    );
    const drop = await harness.caller.request(
      collectionsCreate,
      { projectId: projectD, name: "drop", description: null },
      ctx(projectD),
    );
    const kept = await record(projectD, { content: "memory in the kept collection", collectionId: keep.id });
    const dropped = await record(projectD, {
      content: "memory in the dropped collection",
      collectionId: drop.id,
    });
    await harness.caller.request(
      collectionsDelete,
      { projectId: projectD, collectionId: keep.id, withMemories: "false" },
      ctx(projectD),
    );
    await harness.caller.request(
      collectionsDelete,
      { projectId: projectD, collectionId: drop.id, withMemories: "true" },
      ctx(projectD),
    );
    const survivor = await harness.caller.request(
      memoriesGet,
      { projectId: projectD, memoryId: kept.id },
      ctx(projectD),
    );
    expect(survivor.collectionId).toBeNull();
    await expect(
      harness.caller.request(memoriesGet, { projectId: projectD, memoryId: dropped.id }, ctx(projectD)),
    ).rejects.toMatchObject({ status: 404 });
    const list = await harness.caller.request(
      collectionsList,
      { projectId: projectD, limit: 50 },
      ctx(projectD),
    );
    expect(list.items).toEqual([]);
  });

  it("refuses a memory in a collection of another project", async () => {
    const other = await harness.caller.request(
      collectionsCreate,
      { projectId: projectB, name: "b-only", description: null },
      ctx(projectB),
    );
    await expect(record(projectA, { content: "sneaky", collectionId: other.id })).rejects.toMatchObject({
      status: 404,
      code: "memory.collection_not_found",
    });
  });
});

describe("project isolation", () => {
  it("never returns one project's memories through another project's id, even with known ids", async () => {
    const secret = await record(projectA, { content: "the launch code word is marmalade" });
    const asB = ctx(projectB);
    await expect(
      harness.caller.request(memoriesGet, { projectId: projectB, memoryId: secret.id }, asB),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      harness.caller.request(
        memoriesRevise,
        { projectId: projectB, memoryId: secret.id, content: "pwned" },
        asB,
      ),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      harness.caller.request(memoriesForget, { projectId: projectB, memoryId: secret.id }, asB),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      harness.caller.request(memoriesHistory, { projectId: projectB, memoryId: secret.id, limit: 10 }, asB),
    ).rejects.toMatchObject({ status: 404 });
    for (const mode of ["vector", "keyword", "hybrid"] as const) {
      const found = await harness.caller.request(
        memoriesSearch,
        { projectId: projectB, query: "launch code word marmalade", mode },
        asB,
      );
      expect(found.items.map((item) => item.memory.id)).not.toContain(secret.id);
    }
    // A path naming project A under a context the gateway verified for project B is not found either.
    await expect(
      harness.caller.request(memoriesGet, { projectId: projectA, memoryId: secret.id }, asB),
    ).rejects.toMatchObject({
      status: 404,
    });
    const still = await harness.caller.request(
      memoriesGet,
      { projectId: projectA, memoryId: secret.id },
      ctx(projectA),
    );
    expect(still.content).toBe("the launch code word is marmalade");
  });
});

describe("events from other services", () => {
  it("indexes an ingested chunk once as a semantic memory with source refs", async () => {
    const projectI = randomUUID();
    const chunkId = randomUUID();
    const documentId = randomUUID();
    const chunk = envelope("ingestion.chunk.created", {
      chunkId,
      documentId,
      projectId: projectI,
      position: 3,
      content: "Refunds are processed within fourteen days of the request",
      createdAt: new Date().toISOString(),
    });
    await publish(chunk, `${chunk.eventId}-a`);
    await publish({ ...chunk, eventId: randomUUID() });
    const memoryId = memoryIdForChunk(chunkId);
    const memory = await eventually(() =>
      harness.caller
        .request(memoriesGet, { projectId: projectI, memoryId }, ctx(projectI))
        .then((m) => (m.embedding === "ready" ? m : undefined))
        .catch(() => undefined),
    );
    expect(memory).toMatchObject({
      tier: "semantic",
      ownerId: null,
      sourceRefs: [
        { kind: "ingestion_chunk", id: chunkId },
        { kind: "document", id: documentId },
      ],
    });
    const found = await harness.caller.request(
      memoriesSearch,
      { projectId: projectI, query: "refund processing days", mode: "hybrid" },
      ctx(projectI),
    );
    expect(found.items.map((item) => item.memory.id)).toEqual([memoryId]);
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from memory.memories where project_id = ${projectI}
    `.execute(harness.service.database.db);
    expect(rows[0]?.count).toBe(1);
  });

  it("forgets a removed chunk's memory, also when the removal overtook the chunk's creation", async () => {
    const projectR = randomUUID();
    const documentId = randomUUID();
    const chunkEvents = (chunkId: string, content: string) => ({
      created: envelope("ingestion.chunk.created", {
        chunkId,
        documentId,
        projectId: projectR,
        position: 0,
        content,
        createdAt: new Date().toISOString(),
      }),
      removed: envelope("ingestion.chunk.removed", {
        chunkId,
        documentId,
        projectId: projectR,
        reason: "replaced",
        removedAt: new Date().toISOString(),
      }),
    });
    /** Recorded, then (last) forgotten: the memory's stream once both chunk events are applied. */
    const forgotten = (memoryId: string) =>
      eventually(async () => {
        const { rows } = await sql<{ type: string }>`
          select type from memory.events where stream_id = ${`memory-${memoryId}`} order by stream_version
        `.execute(harness.service.database.db);
        const types = rows.map((row) => row.type);
        return types[0] === "memory.memory.recorded" && types.at(-1) === "memory.memory.forgotten"
          ? types
          : undefined;
      });

    const inOrder = randomUUID();
    const first = chunkEvents(inOrder, "The office opens at nine on weekdays");
    await publish(first.created);
    const memoryId = memoryIdForChunk(inOrder);
    await eventually(() =>
      harness.caller
        .request(memoriesGet, { projectId: projectR, memoryId }, ctx(projectR))
        .catch(() => undefined),
    );
    await publish(first.removed);
    await forgotten(memoryId);

    // The removal first: it waits (retried) until the creation has been applied, then forgets it.
    const overtaken = randomUUID();
    const second = chunkEvents(overtaken, "The office closes at six on Fridays");
    await publish(second.removed);
    await publish(second.created);
    await forgotten(memoryIdForChunk(overtaken));
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from memory.memories where project_id = ${projectR}
    `.execute(harness.service.database.db);
    expect(rows[0]?.count).toBe(0);
  });

  it("publishes memory.recorded on the bus without what the memory says", async () => {
    const dora = randomUUID();
    const published = await record(projectA, { content: "Dora's bank PIN hint is her cat's name" }, dora);
    const names = busNames(harness.service.namespace);
    const consumer = await jetstream(harness.nc).consumers.get(names.stream(eventStreamName("memory")), {
      filter_subjects: names.subject("evt.memory.memory.recorded"),
    });
    const envelopes: EventEnvelope[] = [];
    const mine = await eventually(async () => {
      const msg = await consumer.next({ expires: 1_000 });
      if (msg) envelopes.push(EventEnvelopeSchema.parse(msg.json()));
      return envelopes.find((e) => z.object({ memoryId: z.uuid() }).parse(e.data).memoryId === published.id);
    });
    expect(mine.data).toMatchObject({ memoryId: published.id, ownerId: dora, tier: "semantic" });
    expect(mine.data).not.toHaveProperty("content");
    expect(mine.data).not.toHaveProperty("metadata");
    expect(JSON.stringify(mine)).not.toMatch(/PIN|pii:v1|\$sealed/);
  });

  it("seals a person's memories under their key and, on erasure, destroys it: no table holds the text, and a replay still works", async () => {
    const carol = randomUUID();
    const mine = await record(
      projectA,
      { content: "Carol's private diary entry about Tuesday", metadata: { mood: "diary-gloomy" } },
      carol,
    );
    const theirs = await record(projectB, { content: "Carol's second private diary note" }, carol);
    await harness.caller.request(
      memoriesRevise,
      { projectId: projectB, memoryId: theirs.id, content: "Carol's revised diary note" },
      ctx(projectB, carol),
    );
    const deletedEarlier = await record(projectA, { content: "Carol's deleted diary draft" }, carol);
    await harness.caller.request(
      memoriesForget,
      { projectId: projectA, memoryId: deletedEarlier.id },
      ctx(projectA, carol),
    );
    const others = await record(projectA, { content: "Somebody else's note about Tuesday" });
    // At rest the stored events hold ciphertext only, while reads still see the text.
    expect(await tablesContaining(DIARY)).toEqual(["memories", "memory_versions"]);
    await expect(
      harness.caller.request(memoriesGet, { projectId: projectA, memoryId: mine.id }, ctx(projectA)),
    ).resolves.toMatchObject({ content: "Carol's private diary entry about Tuesday" });

    await publish(envelope("user.user.erased", { userId: carol }));
    await eventually(() =>
      harness.caller
        .request(memoriesGet, { projectId: projectA, memoryId: mine.id }, ctx(projectA))
        .then(() => undefined)
        .catch((error: { status?: number }) => (error.status === 404 ? true : undefined)),
    );
    await expect(
      harness.caller.request(memoriesGet, { projectId: projectB, memoryId: theirs.id }, ctx(projectB)),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      harness.caller.request(memoriesGet, { projectId: projectA, memoryId: others.id }, ctx(projectA)),
    ).resolves.toMatchObject({ id: others.id });
    expect(await tablesContaining(DIARY)).toEqual([]);
    const db = harness.service.database.db;
    const { rows: keys } = await sql<{ destroyed: boolean }>`
      select key is null as destroyed from memory.personal_data_keys where subject_id = ${carol}
    `.execute(db);
    expect(keys).toEqual([{ destroyed: true }]);
    // The history is still there: the events were not rewritten, only made unreadable.
    const { rows: kept } = await sql<{ count: number }>`
      select count(*)::int as count from memory.events
      where stream_id = ${`memory-${mine.id}`} and type = 'memory.memory.recorded'
    `.execute(db);
    expect(kept[0]?.count).toBe(1);

    const { replayed } = await rebuildProjection(harness.service.running.runtime.db, {
      schema: "memory",
      projection: memoryReadModel,
    });
    expect(replayed).toBeGreaterThan(0);
    expect(await tablesContaining(DIARY)).toEqual([]);
    await expect(
      harness.caller.request(memoriesGet, { projectId: projectA, memoryId: mine.id }, ctx(projectA)),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      harness.caller.request(memoriesGet, { projectId: projectA, memoryId: others.id }, ctx(projectA)),
    ).resolves.toMatchObject({ content: "Somebody else's note about Tuesday", embedding: "ready" });
    await expect(
      record(projectA, { content: "Carol is back with a new diary" }, carol),
    ).rejects.toMatchObject({ status: 409 });
  });
});
