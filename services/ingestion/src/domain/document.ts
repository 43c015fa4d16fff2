import type { DocumentContentType } from "@tessera/contracts";
import { DocumentExistsError, DocumentNotFoundError } from "./document-errors.ts";

/** What a document says about itself, apart from its content (which is stored beside the events). */
export interface DocumentFacts {
  documentId: string;
  projectId: string;
  title: string | null;
  contentType: DocumentContentType;
  externalId: string | null;
  sourceId: string | null;
  collectionId: string | null;
  metadata: Record<string, unknown>;
}

type Revision = { documentId: string; projectId: string; revision: number };

export type DocumentEvent =
  | {
      type: "ingestion.document.received";
      data: DocumentFacts & { revision: number; bytes: number; contentHash: string; receivedAt: string };
    }
  | {
      type: "ingestion.document.chunked";
      data: Revision & {
        chunks: number;
        created: number;
        removed: number;
        textLength: number;
        chunkedAt: string;
      };
    }
  | { type: "ingestion.document.indexed"; data: Revision & { indexedAt: string } }
  | { type: "ingestion.document.failed"; data: Revision & { reason: string; failedAt: string } }
  | {
      type: "ingestion.document.deleted";
      data: { documentId: string; projectId: string; reason: DeleteReason; deletedAt: string };
    };

export type DeleteReason = "deleted" | "source_deleted";
export type LiveStatus = "received" | "chunked" | "indexed" | "failed";

export type DocumentState =
  | { status: "absent" }
  | { status: LiveStatus; facts: DocumentFacts; revision: number }
  | { status: "deleted"; documentId: string; projectId: string };

export interface DocumentCommandMeta {
  now: Date;
}

/** A post: a new document, or (`revise`) a new revision of an existing one. Omitted fields keep their value. */
export interface DocumentPost {
  documentId: string;
  projectId: string;
  revise: boolean;
  contentType: DocumentContentType;
  bytes: number;
  contentHash: string;
  title?: string;
  externalId?: string;
  sourceId?: string;
  collectionId?: string;
  metadata?: Record<string, unknown>;
}

type Target = { documentId: string; projectId: string };

export type DocumentCommand =
  | { type: "ReceiveDocument"; data: DocumentPost; meta: DocumentCommandMeta }
  | {
      type: "RecordChunking";
      data: Revision & { chunks: number; created: number; removed: number; textLength: number };
      meta: DocumentCommandMeta;
    }
  | { type: "MarkIndexed"; data: Revision; meta: DocumentCommandMeta }
  | { type: "FailDocument"; data: Revision & { reason: string }; meta: DocumentCommandMeta }
  | { type: "DeleteDocument"; data: Target & { reason: DeleteReason }; meta: DocumentCommandMeta };

export function documentStreamId(documentId: string): string {
  return `document-${documentId}`;
}

/** The live document this command may touch, in the command's project. */
function liveIn(
  state: DocumentState,
  target: Target,
): Extract<DocumentState, { facts: DocumentFacts }> | null {
  if (state.status === "absent" || state.status === "deleted") return null;
  return state.facts.projectId === target.projectId ? state : null;
}

function receive(post: DocumentPost, state: DocumentState, now: string): DocumentEvent[] {
  const live = liveIn(state, post);
  if (post.revise && live === null) throw new DocumentNotFoundError(post.documentId);
  if (!post.revise && state.status !== "absent") throw new DocumentExistsError(post.documentId);
  const before = live?.facts;
  return [
    {
      type: "ingestion.document.received",
      data: {
        documentId: post.documentId,
        projectId: post.projectId,
        title: post.title ?? before?.title ?? null,
        contentType: post.contentType,
        externalId: post.externalId ?? before?.externalId ?? null,
        sourceId: post.sourceId ?? before?.sourceId ?? null,
        collectionId: post.collectionId ?? before?.collectionId ?? null,
        metadata: post.metadata ?? before?.metadata ?? {},
        revision: (live?.revision ?? 0) + 1,
        bytes: post.bytes,
        contentHash: post.contentHash,
        receivedAt: now,
      },
    },
  ];
}

/**
 * Status rules: a post makes a new revision `received`; only that revision may then become
 * `chunked` or `failed`, and a `chunked` one `indexed`. Work finished for a revision that a newer
 * post has replaced decides nothing, so a slow worker can never overwrite a newer state.
 */
export function decideDocument(command: DocumentCommand, state: DocumentState): DocumentEvent[] {
  const now = command.meta.now.toISOString();
  switch (command.type) {
    case "ReceiveDocument":
      return receive(command.data, state, now);
    case "RecordChunking": {
      const live = liveIn(state, command.data);
      if (live?.status !== "received" || live.revision !== command.data.revision) return [];
      return [{ type: "ingestion.document.chunked", data: { ...command.data, chunkedAt: now } }];
    }
    case "MarkIndexed": {
      const live = liveIn(state, command.data);
      if (live?.status !== "chunked" || live.revision !== command.data.revision) return [];
      return [{ type: "ingestion.document.indexed", data: { ...command.data, indexedAt: now } }];
    }
    case "FailDocument": {
      const live = liveIn(state, command.data);
      if (live?.status !== "received" || live.revision !== command.data.revision) return [];
      return [{ type: "ingestion.document.failed", data: { ...command.data, failedAt: now } }];
    }
    case "DeleteDocument": {
      const live = liveIn(state, command.data);
      if (live === null) {
        // A source's deletion sweeps documents that may have gone already; a member's delete reports the miss.
        if (command.data.reason === "deleted") throw new DocumentNotFoundError(command.data.documentId);
        return [];
      }
      return [{ type: "ingestion.document.deleted", data: { ...command.data, deletedAt: now } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export function evolveDocument(state: DocumentState, event: DocumentEvent): DocumentState {
  switch (event.type) {
    case "ingestion.document.received": {
      const { revision, bytes: _bytes, contentHash: _hash, receivedAt: _at, ...facts } = event.data;
      return { status: "received", facts, revision };
    }
    case "ingestion.document.chunked":
      return state.status === "absent" || state.status === "deleted"
        ? state
        : { ...state, status: "chunked" };
    case "ingestion.document.indexed":
      return state.status === "absent" || state.status === "deleted"
        ? state
        : { ...state, status: "indexed" };
    case "ingestion.document.failed":
      return state.status === "absent" || state.status === "deleted" ? state : { ...state, status: "failed" };
    case "ingestion.document.deleted":
      return { status: "deleted", documentId: event.data.documentId, projectId: event.data.projectId };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function initialDocumentState(): DocumentState {
  return { status: "absent" };
}

export const documentDecider = {
  decide: decideDocument,
  evolve: evolveDocument,
  initialState: initialDocumentState,
};
