import { randomUUID } from "node:crypto";
import { documentsGet, memoryIdForChunk } from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentCalls, expectProblem, handbook } from "./support/documents.ts";
import {
  ctxFor,
  documentWhen,
  eventually,
  type IngestionHarness,
  startIngestionHarness,
} from "./support/harness.ts";
import { writePdf } from "./support/pdf.ts";

let harness: IngestionHarness;
/** A low limit here: the bus without the gateway's large-message transport carries 1 MiB at most. */
const MAX_BYTES = 65_536;

beforeAll(async () => {
  harness = await startIngestionHarness({ env: { DOCUMENT_MAX_BYTES: String(MAX_BYTES) } });
});

afterAll(async () => {
  await harness?.stop();
});

const { post, chunksOf, chunkEventsOf } = documentCalls(() => harness);

describe("posting a document", () => {
  it("answers 202 received at once, then chunks it with exact offsets and heading paths", async () => {
    const projectId = randomUUID();
    const source = handbook("Everyone gets twenty-five days of paid leave each year. ".repeat(6).trim());
    const answer = await post(projectId, {
      contentType: "text/markdown",
      content: source,
      title: "Handbook",
    });
    expect(answer).toEqual({ id: expect.any(String), status: "received" });

    const document = await documentWhen(harness, projectId, answer.id, (d) => d.status === "chunked");
    expect(document).toMatchObject({
      id: answer.id,
      projectId,
      title: "Handbook",
      contentType: "text/markdown",
      error: null,
      revision: 1,
      bytes: Buffer.byteLength(source),
      indexedChunks: 0,
    });
    const chunks = await chunksOf(projectId, answer.id);
    expect(chunks.length).toBe(document.chunks);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((chunk) => chunk.position)).toEqual(chunks.map((_, index) => index));
    expect(new Set(chunks.map((chunk) => chunk.headingPath.join(" > ")))).toEqual(
      new Set(["Handbook > Leave", "Handbook > Travel", "Handbook > Security"]),
    );

    const { created } = await eventually(
      async () => {
        const events = await chunkEventsOf(answer.id);
        return events.created.length === chunks.length ? events : undefined;
      },
      { what: "chunk events" },
    );
    for (const chunk of chunks) {
      const event = created.find((candidate) => candidate.chunkId === chunk.id);
      // Markdown's extracted text is its source: the offsets point into what was sent.
      expect(event?.content).toBe(source.slice(chunk.start, chunk.end));
      expect(event).toMatchObject({
        projectId,
        position: chunk.position,
        metadata: { headingPath: chunk.headingPath },
      });
      expect(chunk.memoryId).toBe(memoryIdForChunk(chunk.id));
      expect(chunk.indexed).toBe(false);
    }
  });

  it("on a re-post with the same externalId publishes chunk.created only for new chunks and chunk.removed for vanished ones", async () => {
    const projectId = randomUUID();
    const first = await post(projectId, {
      contentType: "text/markdown",
      content: handbook("Everyone gets twenty-five days of paid leave each year."),
      externalId: "handbook",
    });
    await documentWhen(harness, projectId, first.id, (d) => d.status === "chunked");
    const before = await chunksOf(projectId, first.id);
    await eventually(async () =>
      (await chunkEventsOf(first.id)).created.length === before.length ? true : undefined,
    );

    const second = await post(projectId, {
      contentType: "text/markdown",
      content: handbook("Everyone gets thirty days of paid leave each year, more after five years."),
      externalId: "handbook",
    });
    expect(second.id).toBe(first.id);
    const revised = await documentWhen(
      harness,
      projectId,
      first.id,
      (d) => d.revision === 2 && d.status === "chunked",
    );
    const after = await chunksOf(projectId, first.id);
    expect(revised.chunks).toBe(after.length);

    const beforeIds = new Set(before.map((chunk) => chunk.id));
    const afterIds = new Set(after.map((chunk) => chunk.id));
    const leaveBefore = before
      .filter((chunk) => chunk.headingPath.includes("Leave"))
      .map((chunk) => chunk.id);
    const leaveAfter = after.filter((chunk) => chunk.headingPath.includes("Leave")).map((chunk) => chunk.id);
    const events = await eventually(async () => {
      const all = await chunkEventsOf(first.id);
      return all.removed.length === leaveBefore.length ? all : undefined;
    });
    expect(events.removed.map((event) => event.chunkId)).toEqual(leaveBefore);
    expect(events.removed.every((event) => event.reason === "replaced")).toBe(true);
    expect(events.created.map((event) => event.chunkId)).toEqual([
      ...before.map((chunk) => chunk.id),
      ...leaveAfter,
    ]);
    // Travel and Security did not change: same ids, so same memories.
    const unchanged = after.filter((chunk) => !chunk.headingPath.includes("Leave"));
    expect(unchanged.length).toBeGreaterThan(0);
    for (const chunk of unchanged) expect(beforeIds.has(chunk.id)).toBe(true);
    for (const id of leaveBefore) expect(afterIds.has(id)).toBe(false);

    // By document id, with the same content: a new revision that changes no chunk.
    const third = await post(projectId, {
      documentId: first.id,
      contentType: "text/markdown",
      content: handbook("Everyone gets thirty days of paid leave each year, more after five years."),
    });
    expect(third.id).toBe(first.id);
    await documentWhen(harness, projectId, first.id, (d) => d.revision === 3 && d.status === "chunked");
    expect((await chunksOf(projectId, first.id)).map((chunk) => chunk.id)).toEqual(
      after.map((chunk) => chunk.id),
    );
    const finalEvents = await chunkEventsOf(first.id);
    expect(finalEvents.created.length).toBe(events.created.length);
    expect(finalEvents.removed.length).toBe(events.removed.length);
  });

  it("answers concurrent re-posts of one document while it is being chunked, and ends at the last revision", async () => {
    const projectId = randomUUID();
    const { id } = await post(projectId, {
      contentType: "text/markdown",
      content: handbook("Leave, revision 1."),
    });
    const posts = Array.from({ length: 12 }, (_, index) =>
      post(projectId, {
        documentId: id,
        contentType: "text/markdown",
        content: handbook(`Leave, revision ${index + 2}. `.repeat(index + 1)),
      }),
    );
    const answers = await Promise.allSettled(posts);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => "fulfilled"));
    const last = await documentWhen(
      harness,
      projectId,
      id,
      (d) => d.revision === 13 && d.status === "chunked",
    );
    expect(last.error).toBeNull();
    expect((await chunksOf(projectId, id)).length).toBe(last.chunks);
  });

  it("reads HTML, JSON, plain text and an uploaded PDF, each with its structure", async () => {
    const projectId = randomUUID();
    const html = await post(projectId, {
      contentType: "text/html",
      content: '<h1>Pricing</h1><p>See <a href="https://example.com/plans">our plans</a>.</p>',
    });
    const json = await post(projectId, {
      contentType: "application/json",
      content: JSON.stringify({ order: { id: 7, items: [{ sku: "A-1" }] }, status: "paid" }),
    });
    const pdf = writePdf([["Quarterly report."], ["Outlook is good."]]);
    const upload = await post(projectId, {
      title: "Report",
      raw: {
        contentType: "application/pdf",
        base64: Buffer.from(pdf).toString("base64"),
        bytes: pdf.length,
        headers: {},
      },
    });
    const latin1 = Buffer.from("Caf\u00e9 au lait.", "latin1");
    const text = await post(projectId, {
      raw: {
        contentType: "text/plain; charset=ISO-8859-1",
        base64: latin1.toString("base64"),
        bytes: latin1.length,
        headers: {},
      },
    });
    const contentOf = async (documentId: string) => {
      await documentWhen(harness, projectId, documentId, (d) => d.status === "chunked");
      const { created } = await eventually(async () => {
        const events = await chunkEventsOf(documentId);
        return events.created.length > 0 ? events : undefined;
      });
      return created.map((event) => [event.metadata?.headingPath, event.content]);
    };
    expect(await contentOf(html.id)).toEqual([
      [["Pricing"], "Pricing\n\nSee our plans [https://example.com/plans]."],
    ]);
    expect(await contentOf(json.id)).toEqual([
      [["order"], "order.id: 7\norder.items[0].sku: A-1"],
      [["status"], "status: paid"],
    ]);
    expect(await contentOf(upload.id)).toEqual([
      [["page 1"], "Quarterly report."],
      [["page 2"], "Outlook is good."],
    ]);
    expect(await contentOf(text.id)).toEqual([[[], "Café au lait."]]);
    const document = await harness.caller.request(
      documentsGet,
      { projectId, documentId: upload.id },
      ctxFor(projectId),
    );
    expect(document).toMatchObject({ title: "Report", contentType: "application/pdf", bytes: pdf.length });
  });

  it("marks a document it cannot read failed with the reason, instead of answering an error", async () => {
    const projectId = randomUUID();
    const cases = [
      {
        body: { contentType: "application/json", content: "{ not json" } as const,
        reason: /^the content is not valid JSON/,
      },
      {
        body: {
          raw: {
            contentType: "application/pdf",
            base64: Buffer.from("%PDF-1.4 broken").toString("base64"),
            bytes: 15,
            headers: {},
          },
        },
        reason: /^the content is not a readable PDF$/,
      },
      {
        body: { contentType: "text/plain", content: " \n\t \n" } as const,
        reason: /^the document has no text$/,
      },
      {
        body: {
          raw: {
            contentType: "text/plain",
            base64: Buffer.from([0xff, 0xfe, 0x41]).toString("base64"),
            bytes: 3,
            headers: {},
          },
        },
        reason: /^the content is not valid utf-8$/,
      },
    ];
    for (const { body, reason } of cases) {
      const { id } = await post(projectId, body);
      const failed = await documentWhen(harness, projectId, id, (d) => d.status === "failed");
      expect(failed.error).toMatch(reason);
      expect(failed.chunks).toBe(0);
    }
  });

  it("refuses a document over the size limit (413), an unsupported upload type (415) and a viewer (403)", async () => {
    const projectId = randomUUID();
    const big = Buffer.alloc(MAX_BYTES + 1, "a");
    await expectProblem(
      post(projectId, {
        raw: { contentType: "text/plain", base64: big.toString("base64"), bytes: big.length, headers: {} },
      }),
      413,
      "ingestion.document_too_large",
    );
    await expectProblem(
      post(projectId, { raw: { contentType: "image/png", base64: "iVBORw0KGgo=", bytes: 8, headers: {} } }),
      415,
      "ingestion.unsupported_document_type",
    );
    await expectProblem(
      post(projectId, { contentType: "text/plain", content: "hello" }, "viewer"),
      403,
      "auth.forbidden",
    );
  });
});
