import { randomUUID } from "node:crypto";
import { given } from "@tessera/eventstore";
import { describe, it } from "vitest";
import { type DocumentEvent, type DocumentPost, documentDecider } from "../src/domain/document.ts";
import { DocumentExistsError, DocumentNotFoundError } from "../src/domain/document-errors.ts";

const documentId = randomUUID();
const projectId = randomUUID();
const now = new Date("2026-12-01T10:00:00.000Z");
const meta = { now };
const at = now.toISOString();

const post = (overrides: Partial<DocumentPost> = {}): DocumentPost => ({
  documentId,
  projectId,
  revise: false,
  contentType: "text/markdown",
  bytes: 12,
  contentHash: "h1",
  ...overrides,
});

const received = (
  revision: number,
  overrides: Partial<Extract<DocumentEvent, { type: "ingestion.document.received" }>["data"]> = {},
): DocumentEvent => ({
  type: "ingestion.document.received",
  data: {
    documentId,
    projectId,
    title: "Handbook",
    contentType: "text/markdown",
    externalId: "hb",
    sourceId: null,
    collectionId: null,
    metadata: { team: "ops" },
    revision,
    bytes: 12,
    contentHash: "h1",
    receivedAt: at,
    ...overrides,
  },
});
const chunked = (revision: number): DocumentEvent => ({
  type: "ingestion.document.chunked",
  data: { documentId, projectId, revision, chunks: 3, created: 3, removed: 0, textLength: 40, chunkedAt: at },
});
const revision = (number: number) => ({ documentId, projectId, revision: number });

describe("the document decider", () => {
  it("receives a new document as revision 1, and a re-post as the next revision keeping what it omits", () => {
    given(documentDecider, [])
      .when({ type: "ReceiveDocument", data: post({ title: "Handbook" }), meta })
      .then([received(1, { externalId: null, metadata: {} })]);
    given(documentDecider, [received(1), chunked(1)])
      .when({ type: "ReceiveDocument", data: post({ revise: true, contentHash: "h2", bytes: 20 }), meta })
      .then([received(2, { contentHash: "h2", bytes: 20 })]);
  });

  it("refuses a revision of a document that is gone or in another project", () => {
    const deleted: DocumentEvent = {
      type: "ingestion.document.deleted",
      data: { documentId, projectId, reason: "deleted", deletedAt: at },
    };
    given(documentDecider, [])
      .when({ type: "ReceiveDocument", data: post({ revise: true }), meta })
      .thenThrows(DocumentNotFoundError);
    given(documentDecider, [received(1), deleted])
      .when({ type: "ReceiveDocument", data: post({ revise: true }), meta })
      .thenThrows(DocumentNotFoundError);
    given(documentDecider, [received(1)])
      .when({ type: "ReceiveDocument", data: post({ revise: true, projectId: randomUUID() }), meta })
      .thenThrows(DocumentNotFoundError);
    given(documentDecider, [received(1)])
      .when({ type: "ReceiveDocument", data: post(), meta })
      .thenThrows(DocumentExistsError);
  });

  it("moves a revision received → chunked → indexed, and a received one to failed with its reason", () => {
    const counts = { chunks: 3, created: 3, removed: 0, textLength: 40 };
    given(documentDecider, [received(1)])
      .when({ type: "RecordChunking", data: { ...revision(1), ...counts }, meta })
      .then([chunked(1)]);
    given(documentDecider, [received(1), chunked(1)])
      .when({ type: "MarkIndexed", data: revision(1), meta })
      .then([{ type: "ingestion.document.indexed", data: { ...revision(1), indexedAt: at } }]);
    given(documentDecider, [received(1)])
      .when({ type: "FailDocument", data: { ...revision(1), reason: "not a readable PDF" }, meta })
      .then([
        {
          type: "ingestion.document.failed",
          data: { ...revision(1), reason: "not a readable PDF", failedAt: at },
        },
      ]);
  });

  it("lets work finished for a replaced revision decide nothing", () => {
    const counts = { chunks: 3, created: 3, removed: 0, textLength: 40 };
    const history = [received(1), received(2)];
    given(documentDecider, history)
      .when({ type: "RecordChunking", data: { ...revision(1), ...counts }, meta })
      .then([]);
    given(documentDecider, history)
      .when({ type: "FailDocument", data: { ...revision(1), reason: "x" }, meta })
      .then([]);
    given(documentDecider, [received(1), chunked(1), received(2)])
      .when({ type: "MarkIndexed", data: revision(1), meta })
      .then([]);
    given(documentDecider, [received(1)])
      .when({ type: "MarkIndexed", data: revision(1), meta })
      .then([]);
  });

  it("deletes a live document; a member's delete of a missing one is 404, a source sweep's is nothing", () => {
    given(documentDecider, [received(1), chunked(1)])
      .when({ type: "DeleteDocument", data: { documentId, projectId, reason: "deleted" }, meta })
      .then([
        {
          type: "ingestion.document.deleted",
          data: { documentId, projectId, reason: "deleted", deletedAt: at },
        },
      ]);
    given(documentDecider, [])
      .when({ type: "DeleteDocument", data: { documentId, projectId, reason: "deleted" }, meta })
      .thenThrows(DocumentNotFoundError);
    given(documentDecider, [])
      .when({ type: "DeleteDocument", data: { documentId, projectId, reason: "source_deleted" }, meta })
      .then([]);
  });
});
