import { given } from "@tessera/eventstore";
import { describe, it } from "vitest";
import { collectionDecider } from "../src/domain/collection.ts";
import { type MemoryCommand, type MemoryDraft, memoryDecider } from "../src/domain/decide.ts";
import {
  CollectionNotFoundError,
  MemoryExistsError,
  MemoryNotFoundError,
  MemorySupersededError,
  ValidityWindowError,
} from "../src/domain/errors.ts";
import type { MemoryEvent } from "../src/domain/memory.ts";

const now = new Date("2026-11-22T10:00:00.000Z");
const later = new Date("2026-11-22T11:00:00.000Z");
const meta = { now, workingTtlMs: 60_000 };
const projectId = "7d4f5b0e-9c53-4f1d-9a57-3a3b6f1f0c11";
const otherProject = "0f6c2e9a-1111-4c2b-8d6e-5a9b7c3d2e10";
const memoryId = "3c1b9d2e-5f6a-4b7c-8d9e-0a1b2c3d4e5f";
const draft: MemoryDraft = {
  memoryId,
  projectId,
  collectionId: null,
  ownerId: null,
  tier: "semantic",
  content: "Ada prefers tea",
  metadata: {},
  importance: 0.5,
  sourceRefs: [],
  validTo: null,
};
const recorded: MemoryEvent = {
  type: "memory.memory.recorded",
  data: { ...draft, validFrom: now.toISOString(), expiresAt: null, recordedAt: now.toISOString() },
};
const target = { projectId, memoryId };

describe("memory decider", () => {
  it("records a memory, with its vector when one came with the command", () => {
    const vector = { model: "m", dimensions: 2, embedding: [1, 0] };
    given(memoryDecider, [])
      .when({ type: "RecordMemory", data: { ...draft, vector }, meta })
      .then([
        recorded,
        {
          type: "memory.memory.embedded",
          data: { memoryId, projectId, ownerId: null, version: 1, ...vector },
        },
      ]);
  });

  it("gives a working memory an expiry of now plus the TTL", () => {
    given(memoryDecider, [])
      .when({ type: "RecordMemory", data: { ...draft, tier: "working" }, meta })
      .then([
        {
          type: "memory.memory.recorded",
          data: {
            ...draft,
            tier: "working",
            validFrom: now.toISOString(),
            expiresAt: "2026-11-22T10:01:00.000Z",
            recordedAt: now.toISOString(),
          },
        },
      ]);
  });

  it("refuses to record the same memory id twice", () => {
    given(memoryDecider, [recorded])
      .when({ type: "RecordMemory", data: draft, meta })
      .thenThrows(MemoryExistsError);
  });

  it("revises into a new version whose validity starts now", () => {
    given(memoryDecider, [recorded])
      .when({
        type: "ReviseMemory",
        data: { ...target, changes: { content: "Ada prefers coffee" } },
        meta: { ...meta, now: later },
      })
      .then([
        {
          type: "memory.memory.revised",
          data: {
            memoryId,
            projectId,
            ownerId: null,
            version: 2,
            content: "Ada prefers coffee",
            tier: "semantic",
            metadata: {},
            importance: 0.5,
            validTo: null,
            validFrom: later.toISOString(),
            expiresAt: null,
            revisedAt: later.toISOString(),
          },
        },
      ]);
  });

  it("refuses a validity window that ends before it begins", () => {
    given(memoryDecider, [])
      .when({
        type: "RecordMemory",
        data: { ...draft, validFrom: later.toISOString(), validTo: now.toISOString() },
        meta,
      })
      .thenThrows(ValidityWindowError);
    given(memoryDecider, [])
      .when({ type: "RecordMemory", data: { ...draft, validTo: "2026-11-22T09:00:00.000Z" }, meta })
      .thenThrows(ValidityWindowError);
    given(memoryDecider, [recorded])
      .when({
        type: "ReviseMemory",
        data: { ...target, changes: { validTo: now.toISOString() } },
        meta: { ...meta, now: later },
      })
      .thenThrows(ValidityWindowError);
  });

  it("decides nothing for a revision that changes nothing", () => {
    given(memoryDecider, [recorded])
      .when({ type: "ReviseMemory", data: { ...target, changes: { content: "Ada prefers tea" } }, meta })
      .then([]);
  });

  it("treats a memory of another project as absent", () => {
    const command: MemoryCommand = {
      type: "ReviseMemory",
      data: { projectId: otherProject, memoryId, changes: { content: "x" } },
      meta,
    };
    given(memoryDecider, [recorded]).when(command).thenThrows(MemoryNotFoundError);
    given(memoryDecider, [recorded])
      .when({ type: "ForgetMemory", data: { projectId: otherProject, memoryId, reason: "deleted" }, meta })
      .thenThrows(MemoryNotFoundError);
  });

  it("refuses to revise a superseded memory", () => {
    const superseded: MemoryEvent = {
      type: "memory.memory.superseded",
      data: {
        memoryId,
        projectId,
        supersededBy: otherProject,
        reason: "replaced",
        validTo: later.toISOString(),
      },
    };
    given(memoryDecider, [recorded, superseded])
      .when({ type: "ReviseMemory", data: { ...target, changes: { content: "new" } }, meta })
      .thenThrows(MemorySupersededError);
  });

  it("reinforces towards 1, counting and refreshing last seen", () => {
    given(memoryDecider, [recorded])
      .when({ type: "ReinforceMemory", data: { ...target, importance: 0.8 }, meta: { ...meta, now: later } })
      .then([
        {
          type: "memory.memory.reinforced",
          data: {
            memoryId,
            projectId,
            importance: 0.8 + 0.1 * 0.2,
            reinforcements: 1,
            lastSeenAt: later.toISOString(),
            expiresAt: null,
          },
        },
      ]);
  });

  it("forgets once; pruning an already forgotten memory decides nothing", () => {
    const { events } = given(memoryDecider, [recorded])
      .when({ type: "ForgetMemory", data: { ...target, reason: "deleted" }, meta })
      .then([
        {
          type: "memory.memory.forgotten",
          data: { memoryId, projectId, reason: "deleted", forgottenAt: now.toISOString() },
        },
      ]);
    given(memoryDecider, [recorded, ...events])
      .when({ type: "ForgetMemory", data: { ...target, reason: "expired" }, meta })
      .then([]);
    given(memoryDecider, [recorded, ...events])
      .when({ type: "ForgetMemory", data: { ...target, reason: "deleted" }, meta })
      .thenThrows(MemoryNotFoundError);
  });

  it("ignores a vector computed for content that was revised meanwhile", () => {
    const { events } = given(memoryDecider, [recorded])
      .when({ type: "ReviseMemory", data: { ...target, changes: { content: "changed" } }, meta })
      .then([
        {
          type: "memory.memory.revised",
          data: {
            memoryId,
            projectId,
            ownerId: null,
            version: 2,
            content: "changed",
            tier: "semantic",
            metadata: {},
            importance: 0.5,
            validTo: null,
            validFrom: now.toISOString(),
            expiresAt: null,
            revisedAt: now.toISOString(),
          },
        },
      ]);
    given(memoryDecider, [recorded, ...events])
      .when({
        type: "RecordEmbedding",
        data: { ...target, version: 1, model: "m", dimensions: 2, embedding: [0, 1] },
        meta,
      })
      .then([]);
  });
});

describe("collection decider", () => {
  const collectionId = "5a5a5a5a-1b1b-4c4c-8d8d-9e9e9e9e9e9e";
  const created = {
    type: "memory.collection.created" as const,
    data: { collectionId, projectId, name: "Notes", description: null, createdAt: now.toISOString() },
  };

  it("creates, renames and deletes a collection", () => {
    given(collectionDecider, [])
      .when({
        type: "CreateCollection",
        data: { collectionId, projectId, name: "Notes", description: null },
        meta: { now },
      })
      .then([created]);
    given(collectionDecider, [created])
      .when({ type: "RenameCollection", data: { collectionId, projectId, name: "Ideas" }, meta: { now } })
      .then([
        {
          type: "memory.collection.renamed",
          data: { collectionId, projectId, name: "Ideas", renamedAt: now.toISOString() },
        },
      ]);
    given(collectionDecider, [created])
      .when({
        type: "DeleteCollection",
        data: { collectionId, projectId, withMemories: true },
        meta: { now },
      })
      .then([
        {
          type: "memory.collection.deleted",
          data: { collectionId, projectId, withMemories: true, deletedAt: now.toISOString() },
        },
      ]);
  });

  it("does not find a collection through another project", () => {
    given(collectionDecider, [created])
      .when({
        type: "RenameCollection",
        data: { collectionId, projectId: otherProject, name: "x" },
        meta: { now },
      })
      .thenThrows(CollectionNotFoundError);
  });
});
