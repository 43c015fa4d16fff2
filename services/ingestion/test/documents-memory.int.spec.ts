import { randomUUID } from "node:crypto";
import { createBus } from "@tessera/bus";
import {
  type Chunk,
  chunksList,
  collectionsCreate,
  documentsCreate,
  documentsDelete,
  memoriesGet,
  memoriesSearch,
  RemoteError,
} from "@tessera/contracts";
import { type InProcessService, startInProcess } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryConfigSchema } from "../../memory/src/config.ts";
import { startMemoryService } from "../../memory/src/service.ts";
import {
  ctxFor,
  documentWhen,
  eventually,
  type IngestionHarness,
  silent,
  startIngestionHarness,
} from "./support/harness.ts";

// Ingestion and memory in this process, on one bus namespace: a document's way into search.
let harness: IngestionHarness;
let memory: InProcessService<Awaited<ReturnType<typeof startMemoryService>>>;

beforeAll(async () => {
  harness = await startIngestionHarness();
  // Memory waits for the streams it consumes; the user service's is not started here.
  await createBus(harness.nc, { service: "user", namespace: harness.namespace, logger: silent }).provision();
  memory = await startInProcess({
    configSchema: memoryConfigSchema,
    start: (config) => startMemoryService(config),
    namespace: harness.namespace,
    env: { EMBEDDING_POLL_MS: "50" },
  });
});

afterAll(async () => {
  await memory?.stop();
  await harness?.stop();
});

const manual = (warranty: string) =>
  [
    "# Espresso machine manual",
    "## Descaling",
    "Descale the boiler every two months with citric acid. Rinse the water tank twice afterwards.",
    "## Warranty",
    warranty,
    "## Cleaning",
    "Wipe the steam wand after every use and soak the portafilter basket weekly in hot water.",
  ].join("\n\n");

async function chunksOf(projectId: string, documentId: string): Promise<Chunk[]> {
  const page = await harness.caller.request(
    chunksList,
    { projectId, documentId, limit: 200 },
    ctxFor(projectId),
  );
  return page.items;
}

const memoryOf = (projectId: string, memoryId: string) =>
  harness.caller.request(memoriesGet, { projectId, memoryId }, ctxFor(projectId));

async function isForgotten(projectId: string, memoryId: string): Promise<boolean> {
  return memoryOf(projectId, memoryId).then(
    () => false,
    (error: unknown) => error instanceof RemoteError && error.status === 404,
  );
}

describe("a document's way into memory", () => {
  it("becomes indexed once memory has embedded every chunk, and a search hit leads back to its document and offsets", async () => {
    const projectId = randomUUID();
    const source = manual("The warranty covers the pump and the boiler for three years from purchase.");
    const { id } = await harness.caller.request(
      documentsCreate,
      { projectId, contentType: "text/markdown", content: source, metadata: { product: "espresso" } },
      ctxFor(projectId),
    );
    const indexed = await documentWhen(harness, projectId, id, (d) => d.status === "indexed");
    expect(indexed.indexedChunks).toBe(indexed.chunks);
    const chunks = await chunksOf(projectId, id);
    expect(chunks.every((chunk) => chunk.indexed)).toBe(true);

    const { items } = await harness.caller.request(
      memoriesSearch,
      { projectId, query: "how long is the pump warranty", mode: "hybrid", limit: 3 },
      ctxFor(projectId),
    );
    const hit = items[0]?.memory;
    expect(hit?.content).toMatch(/warranty covers the pump/);
    const chunkRef = hit?.sourceRefs.find((ref) => ref.kind === "ingestion_chunk");
    expect(hit?.sourceRefs).toContainEqual({ kind: "document", id });
    const chunk = chunks.find((candidate) => candidate.id === chunkRef?.id);
    expect(chunk?.memoryId).toBe(hit?.id);
    expect(source.slice(chunk?.start, chunk?.end)).toBe(hit?.content);
    expect(hit?.metadata).toMatchObject({
      documentId: id,
      position: chunk?.position,
      headingPath: ["Espresso machine manual", "Warranty"],
      product: "espresso",
    });
  });

  it("on a re-post keeps the unchanged chunks' memories, forgets the vanished ones and indexes the new ones", async () => {
    const projectId = randomUUID();
    const first = await harness.caller.request(
      documentsCreate,
      {
        projectId,
        contentType: "text/markdown",
        content: manual("Two years of warranty."),
        externalId: "manual",
      },
      ctxFor(projectId),
    );
    await documentWhen(harness, projectId, first.id, (d) => d.status === "indexed");
    const before = await chunksOf(projectId, first.id);
    const warrantyBefore = before.filter((chunk) => chunk.headingPath.includes("Warranty"));
    const others = before.filter((chunk) => !chunk.headingPath.includes("Warranty"));
    const recorded = await Promise.all(others.map((chunk) => memoryOf(projectId, chunk.memoryId)));

    await harness.caller.request(
      documentsCreate,
      {
        projectId,
        contentType: "text/markdown",
        content: manual("Five years of warranty."),
        externalId: "manual",
      },
      ctxFor(projectId),
    );
    await documentWhen(harness, projectId, first.id, (d) => d.revision === 2 && d.status === "indexed");
    const after = await chunksOf(projectId, first.id);
    for (const chunk of warrantyBefore) {
      await eventually(async () => ((await isForgotten(projectId, chunk.memoryId)) ? true : undefined), {
        what: "the vanished chunk's memory forgotten",
      });
    }
    for (const [index, chunk] of others.entries()) {
      expect(after.map((candidate) => candidate.id)).toContain(chunk.id);
      // The very same memory, never re-recorded or revised.
      expect(await memoryOf(projectId, chunk.memoryId)).toEqual({
        ...recorded[index],
        lastSeenAt: expect.any(String),
      });
    }
    const warrantyAfter = after.find((chunk) => chunk.headingPath.includes("Warranty"));
    expect((await memoryOf(projectId, warrantyAfter?.memoryId ?? "")).content).toMatch(/Five years/);
  });

  it("puts the chunks' memories in the document's collection, and outside any when memory has no such collection", async () => {
    const projectId = randomUUID();
    const collection = await harness.caller.request(
      collectionsCreate,
      { projectId, name: "Manuals", description: null },
      ctxFor(projectId),
    );
    const inCollection = await harness.caller.request(
      documentsCreate,
      {
        projectId,
        contentType: "text/plain",
        content: "Grind fine for espresso.",
        collectionId: collection.id,
      },
      ctxFor(projectId),
    );
    const unknown = await harness.caller.request(
      documentsCreate,
      {
        projectId,
        contentType: "text/plain",
        content: "Grind coarse for French press.",
        collectionId: randomUUID(),
      },
      ctxFor(projectId),
    );
    for (const [{ id }, collectionId] of [
      [inCollection, collection.id],
      [unknown, null],
    ] as const) {
      await documentWhen(harness, projectId, id, (d) => d.status === "indexed");
      const [chunk] = await chunksOf(projectId, id);
      expect((await memoryOf(projectId, chunk?.memoryId ?? "")).collectionId).toBe(collectionId);
    }
  });

  it("forgets every chunk's memory when the document is deleted", async () => {
    const projectId = randomUUID();
    const { id } = await harness.caller.request(
      documentsCreate,
      { projectId, contentType: "text/markdown", content: manual("One year of warranty.") },
      ctxFor(projectId),
    );
    await documentWhen(harness, projectId, id, (d) => d.status === "indexed");
    const chunks = await chunksOf(projectId, id);
    await harness.caller.request(documentsDelete, { projectId, documentId: id }, ctxFor(projectId));
    for (const chunk of chunks) {
      await eventually(async () => ((await isForgotten(projectId, chunk.memoryId)) ? true : undefined), {
        what: `memory of chunk ${chunk.position} forgotten`,
      });
    }
    const { items } = await harness.caller.request(
      memoriesSearch,
      { projectId, query: "descale the boiler warranty", mode: "hybrid" },
      ctxFor(projectId),
    );
    expect(items).toEqual([]);
  });
});
