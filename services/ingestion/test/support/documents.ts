import {
  type Chunk,
  chunksList,
  documentsCreate,
  ingestionChunkCreated,
  ingestionChunkRemoved,
  RemoteError,
} from "@tessera/contracts";
import { expect } from "vitest";
import type { z } from "zod";
import { ctxFor, type IngestionHarness, publishedEvents } from "./harness.ts";

export type CreateRequest = Omit<z.input<typeof documentsCreate.request>, "projectId">;

/** The operations of a documents test, as the gateway calls them. */
export function documentCalls(harness: () => IngestionHarness) {
  const post = (projectId: string, body: CreateRequest, role: "member" | "viewer" = "member") =>
    harness().caller.request(documentsCreate, { projectId, ...body }, ctxFor(projectId, role));

  async function chunksOf(projectId: string, documentId: string): Promise<Chunk[]> {
    const chunks: Chunk[] = [];
    let cursor: string | undefined;
    do {
      const page = await harness().caller.request(
        chunksList,
        { projectId, documentId, limit: 7, ...(cursor ? { cursor } : {}) },
        ctxFor(projectId),
      );
      chunks.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return chunks;
  }

  /** The chunk events published for a document, in order. */
  async function chunkEventsOf(documentId: string) {
    const events = await publishedEvents(harness(), "evt.ingestion.chunk.>");
    const created: z.infer<typeof ingestionChunkCreated.data>[] = [];
    const removed: z.infer<typeof ingestionChunkRemoved.data>[] = [];
    for (const { envelope } of events) {
      if (envelope.type === ingestionChunkCreated.type) {
        const data = ingestionChunkCreated.data.parse(envelope.data);
        if (data.documentId === documentId) created.push(data);
      } else if (envelope.type === ingestionChunkRemoved.type) {
        const data = ingestionChunkRemoved.data.parse(envelope.data);
        if (data.documentId === documentId) removed.push(data);
      }
    }
    return { created, removed };
  }

  return { post, chunksOf, chunkEventsOf };
}

export async function expectProblem(work: Promise<unknown>, status: number, code: string): Promise<void> {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(RemoteError);
  expect(error).toMatchObject({ status, code });
}

export const handbook = (leave: string): string =>
  [
    "# Handbook",
    "## Leave",
    leave,
    "## Travel",
    "Book trains for trips under five hours. Flights need approval from your lead, in writing, before you book.",
    "## Security",
    "Lock your screen whenever you leave your desk. Report lost badges at once to the front desk.",
  ].join("\n\n");
