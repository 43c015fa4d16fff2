import { randomUUID } from "node:crypto";
import {
  chunksList,
  documentsDelete,
  documentsGet,
  documentsList,
  sourcesCreate,
  sourcesDelete,
} from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documentCalls, expectProblem, handbook } from "./support/documents.ts";
import {
  ctxFor,
  documentWhen,
  eventually,
  type IngestionHarness,
  startIngestionHarness,
} from "./support/harness.ts";

let harness: IngestionHarness;

beforeAll(async () => {
  harness = await startIngestionHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const { post, chunksOf, chunkEventsOf } = documentCalls(() => harness);

describe("reading documents", () => {
  it("lists a project's documents newest first, paged and filtered, and hides them from other projects", async () => {
    const projectId = randomUUID();
    const other = randomUUID();
    const ids: string[] = [];
    for (const index of [1, 2, 3]) {
      ids.push(
        (
          await post(projectId, {
            contentType: "text/plain",
            content: `Note ${index}.`,
            externalId: `n${index}`,
          })
        ).id,
      );
    }
    await documentWhen(harness, projectId, ids[2] ?? "", (d) => d.status === "chunked");
    const first = await harness.caller.request(documentsList, { projectId, limit: 2 }, ctxFor(projectId));
    expect(first.items.map((item) => item.id)).toEqual([ids[2], ids[1]]);
    const rest = await harness.caller.request(
      documentsList,
      { projectId, limit: 2, cursor: first.nextCursor ?? "" },
      ctxFor(projectId),
    );
    expect(rest.items.map((item) => item.id)).toEqual([ids[0]]);
    expect(rest.nextCursor).toBeNull();
    const byExternalId = await harness.caller.request(
      documentsList,
      { projectId, externalId: "n2" },
      ctxFor(projectId),
    );
    expect(byExternalId.items.map((item) => item.id)).toEqual([ids[1]]);

    expect((await harness.caller.request(documentsList, { projectId: other }, ctxFor(other))).items).toEqual(
      [],
    );
    const documentId = ids[0] ?? "";
    await expectProblem(
      harness.caller.request(documentsGet, { projectId: other, documentId }, ctxFor(other)),
      404,
      "ingestion.document_not_found",
    );
    await expectProblem(
      harness.caller.request(chunksList, { projectId: other, documentId }, ctxFor(other)),
      404,
      "ingestion.document_not_found",
    );
    await expectProblem(
      harness.caller.request(documentsDelete, { projectId: other, documentId }, ctxFor(other)),
      404,
      "ingestion.document_not_found",
    );
    // The gateway's project and the request's must agree.
    await expectProblem(
      harness.caller.request(documentsGet, { projectId, documentId }, ctxFor(other)),
      404,
      "project.not_found",
    );
  });
});

describe("deleting", () => {
  const db = () => harness.service.database.db;

  async function rowsOf(documentId: string): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select (select count(*) from ingestion.documents where id = ${documentId})
           + (select count(*) from ingestion.document_contents where document_id = ${documentId})
           + (select count(*) from ingestion.chunks where document_id = ${documentId}) as n
    `.execute(db());
    return Number(rows[0]?.n);
  }

  it("hides a deleted document at once, then removes each of its chunks and its content", async () => {
    const projectId = randomUUID();
    const { id } = await post(projectId, {
      contentType: "text/markdown",
      content: handbook("Leave is generous."),
    });
    const chunked = await documentWhen(harness, projectId, id, (d) => d.status === "chunked");
    const chunks = await chunksOf(projectId, id);
    await harness.caller.request(documentsDelete, { projectId, documentId: id }, ctxFor(projectId));
    await expectProblem(
      harness.caller.request(documentsGet, { projectId, documentId: id }, ctxFor(projectId)),
      404,
      "ingestion.document_not_found",
    );
    const { removed } = await eventually(async () => {
      const events = await chunkEventsOf(id);
      return events.removed.length === chunked.chunks ? events : undefined;
    });
    expect(removed.map((event) => event.chunkId)).toEqual(chunks.map((chunk) => chunk.id));
    expect(removed.every((event) => event.reason === "document_deleted")).toBe(true);
    await eventually(async () => ((await rowsOf(id)) === 0 ? true : undefined), { what: "rows gone" });
    await expectProblem(
      harness.caller.request(documentsDelete, { projectId, documentId: id }, ctxFor(projectId)),
      404,
      "ingestion.document_not_found",
    );
    // The external id is free again: a new post makes a new document.
    const again = await post(projectId, { contentType: "text/plain", content: "Fresh." });
    expect(again.id).not.toBe(id);
  });

  it("deletes a source's documents when the source is deleted (evt.ingestion.source.deleted)", async () => {
    const projectId = randomUUID();
    const admin = ctxFor(projectId, "owner");
    const source = await harness.caller.request(
      sourcesCreate,
      { projectId, type: "upload", name: "Handbooks" },
      admin,
    );
    const sourceId = source.id;
    const fromSource = await post(projectId, {
      contentType: "text/plain",
      content: "From the source.",
      sourceId,
    });
    const elsewhere = await post(projectId, { contentType: "text/plain", content: "Not from it." });
    await documentWhen(harness, projectId, fromSource.id, (d) => d.status === "chunked");
    await documentWhen(harness, projectId, elsewhere.id, (d) => d.status === "chunked");
    await harness.caller.request(sourcesDelete, { projectId, sourceId }, admin);
    await eventually(async () => ((await rowsOf(fromSource.id)) === 0 ? true : undefined), {
      what: "source's documents gone",
    });
    expect((await chunkEventsOf(fromSource.id)).removed).toHaveLength(1);
    const kept = await harness.caller.request(
      documentsGet,
      { projectId, documentId: elsewhere.id },
      ctxFor(projectId),
    );
    expect(kept.status).toBe("chunked");
  });
});
