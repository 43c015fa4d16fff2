import { randomUUID } from "node:crypto";
import { type Chunk, chunksList, DOCUMENT_MAX_BYTES, ingestionChunkCreated } from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDocument } from "../src/app/create-document.ts";
import type { DocumentDeps } from "../src/app/documents-deps.ts";
import { sourceExistsInProject } from "../src/infra/source-lookup.ts";
import {
  ctxFor,
  documentWhen,
  eventually,
  type IngestionHarness,
  publishedEvents,
  startIngestionHarness,
} from "./support/harness.ts";

/** The most NATS carries in one message here (`max_payload`). */
const BUS_MESSAGE_LIMIT = 1_048_576;

let harness: IngestionHarness;

beforeAll(async () => {
  // The default chunk size, as a deployment runs it.
  harness = await startIngestionHarness({
    env: { DOCUMENT_CHUNK_SIZE: "1500", DOCUMENT_CHUNK_OVERLAP: "150" },
  });
});

afterAll(async () => {
  await harness?.stop();
});

/** Markdown of just under `bytes`: sections of prose, lists and a long unbroken line now and then. */
function largeMarkdown(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let index = 0; size < bytes - 4_096; index += 1) {
    const part = [
      `## Section ${index}`,
      `Paragraph ${index} explains one part of the system in plain words. `.repeat(12).trim(),
      `- item ${index}.a\n- item ${index}.b\n- item ${index}.c`,
      index % 10 === 0 ? `token${index}-`.repeat(400) : `Closing remark for section ${index}.`,
    ].join("\n\n");
    parts.push(part);
    size += Buffer.byteLength(part) + 2;
  }
  return parts.join("\n\n");
}

async function allChunks(projectId: string, documentId: string): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  let cursor: string | undefined;
  do {
    const page = await harness.caller.request(
      chunksList,
      { projectId, documentId, limit: 200, ...(cursor ? { cursor } : {}) },
      ctxFor(projectId),
    );
    chunks.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return chunks;
}

describe("a 5 MiB document", () => {
  it("is chunked into thousands of chunks, each published as an event far below the bus's message limit", async () => {
    const projectId = randomUUID();
    const source = largeMarkdown(DOCUMENT_MAX_BYTES);
    expect(Buffer.byteLength(source)).toBeGreaterThan(DOCUMENT_MAX_BYTES - 8_192);
    expect(Buffer.byteLength(source)).toBeLessThanOrEqual(DOCUMENT_MAX_BYTES);
    // The post itself is larger than one bus message; the gateway's transport carries it out of
    // band, so here the operation is called as the transport hands it over.
    const { runtime } = harness.service.running;
    const worker = harness.hooks.documents?.worker;
    const deps: DocumentDeps = {
      db: runtime.db,
      clock: () => new Date(),
      settings: {
        maxBytes: DOCUMENT_MAX_BYTES,
        chunking: { size: 1_500, overlap: 150 },
        leaseMs: 60_000,
        pollMs: 50,
        maxAttempts: 5,
      },
      nudgeWorker: () => worker?.nudge(),
      sourceExists: sourceExistsInProject,
    };
    const { id } = await createDocument(deps)(
      { projectId, contentType: "text/markdown", content: source, title: "Large" },
      ctxFor(projectId),
    );

    const document = await documentWhen(harness, projectId, id, (d) => d.status === "chunked", 240_000);
    expect(document.chunks).toBeGreaterThan(3_000);
    const chunks = await allChunks(projectId, id);
    expect(chunks).toHaveLength(document.chunks);

    // The relay publishes them after the commit, in order: wait for the last.
    const events = await eventually(
      async () => {
        const published = await publishedEvents(harness, "evt.ingestion.chunk.created");
        return published.length >= chunks.length ? published : undefined;
      },
      { timeoutMs: 240_000, what: "every chunk event published" },
    );
    expect(
      events.every(({ envelope }) => ingestionChunkCreated.data.parse(envelope.data).documentId === id),
    ).toBe(true);
    expect(events).toHaveLength(chunks.length);
    const contentById = new Map(
      events.map(({ envelope }) => {
        const data = ingestionChunkCreated.data.parse(envelope.data);
        return [data.chunkId, data.content];
      }),
    );
    expect(Math.max(...events.map((event) => event.bytes))).toBeLessThan(BUS_MESSAGE_LIMIT / 64);
    for (const chunk of chunks) {
      expect(chunk.end - chunk.start).toBeLessThanOrEqual(1_500);
      expect(contentById.get(chunk.id)).toBe(source.slice(chunk.start, chunk.end));
    }
  }, 300_000);
});
