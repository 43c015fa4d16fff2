import { createHash } from "node:crypto";
import type { StoredEvent } from "@tessera/eventstore";
import type { Transaction } from "kysely";
import pgvector from "pgvector";
import type { CollectionEvent } from "../domain/collection.ts";
import type { MemoryEvent } from "../domain/memory.ts";
import type { MemoryDb } from "./tables.ts";

/** Same text up to case and spacing: what counts as an exact duplicate. */
export function contentHash(content: string): string {
  const normalised = content.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
  return createHash("sha256").update(normalised).digest("hex");
}

/** Inline projection of memory events: the `memories` row and its versions, in the append's transaction. */
export async function projectMemoryEvents(
  trx: Transaction<MemoryDb>,
  events: readonly StoredEvent<MemoryEvent>[],
): Promise<void> {
  for (const event of events) await projectMemoryEvent(trx, event);
}

/** One row of a memory's history: what it said, and from when to when. */
async function insertVersion(
  trx: Transaction<MemoryDb>,
  v: {
    memoryId: string;
    projectId: string;
    version: number;
    content: string;
    tier: string;
    metadata: unknown;
    importance: number;
    validFrom: string;
    validTo: string | null;
    at: string;
  },
): Promise<void> {
  await trx
    .insertInto("memory_versions")
    .values({
      memory_id: v.memoryId,
      project_id: v.projectId,
      version: v.version,
      content: v.content,
      tier: v.tier,
      metadata: JSON.stringify(v.metadata),
      importance: v.importance,
      valid_from: v.validFrom,
      valid_to: v.validTo,
      recorded_at: v.at,
    })
    .execute();
}

async function projectMemoryEvent(
  trx: Transaction<MemoryDb>,
  event: StoredEvent<MemoryEvent>,
): Promise<void> {
  switch (event.type) {
    case "memory.memory.recorded": {
      const d = event.data;
      await trx
        .insertInto("memories")
        .values({
          id: d.memoryId,
          project_id: d.projectId,
          collection_id: d.collectionId,
          owner_id: d.ownerId,
          tier: d.tier,
          content: d.content,
          content_hash: contentHash(d.content),
          metadata: JSON.stringify(d.metadata),
          importance: d.importance,
          source_refs: JSON.stringify(d.sourceRefs),
          version: 1,
          valid_from: d.validFrom,
          valid_to: d.validTo,
          expires_at: d.expiresAt,
          created_at: d.recordedAt,
          updated_at: d.recordedAt,
          last_seen_at: d.recordedAt,
          embed_after: d.recordedAt,
        })
        .execute();
      await insertVersion(trx, { ...d, version: 1, at: d.recordedAt });
      return;
    }
    case "memory.memory.revised": {
      const d = event.data;
      const current = await trx
        .selectFrom("memories")
        .select(["content"])
        .where("id", "=", d.memoryId)
        .executeTakeFirst();
      const contentChanged = current?.content !== d.content;
      await trx
        .updateTable("memories")
        .set({
          content: d.content,
          content_hash: contentHash(d.content),
          tier: d.tier,
          metadata: JSON.stringify(d.metadata),
          importance: d.importance,
          version: d.version,
          valid_to: d.validTo,
          expires_at: d.expiresAt,
          updated_at: d.revisedAt,
          ...(contentChanged
            ? { embedding: null, embedding_model: null, embedding_dims: null, embedding_version: null }
            : {}),
          ...(contentChanged ? { embed_after: d.revisedAt, embed_attempts: 0 } : {}),
        })
        .where("id", "=", d.memoryId)
        .execute();
      await trx
        .updateTable("memory_versions")
        .set({ valid_to: d.validFrom })
        .where("memory_id", "=", d.memoryId)
        .where("version", "=", d.version - 1)
        .execute();
      await insertVersion(trx, { ...d, at: d.revisedAt });
      return;
    }
    case "memory.memory.superseded": {
      const d = event.data;
      const row = await trx
        .updateTable("memories")
        .set({ superseded_by: d.supersededBy, valid_to: d.validTo, updated_at: d.validTo })
        .where("id", "=", d.memoryId)
        .returning("version")
        .executeTakeFirst();
      if (row) {
        await trx
          .updateTable("memory_versions")
          .set({ valid_to: d.validTo })
          .where("memory_id", "=", d.memoryId)
          .where("version", "=", row.version)
          .execute();
      }
      return;
    }
    case "memory.memory.reinforced": {
      const d = event.data;
      await trx
        .updateTable("memories")
        .set({
          importance: d.importance,
          reinforcements: d.reinforcements,
          last_seen_at: d.lastSeenAt,
          expires_at: d.expiresAt,
          updated_at: d.lastSeenAt,
        })
        .where("id", "=", d.memoryId)
        .execute();
      return;
    }
    case "memory.memory.forgotten":
      await trx.deleteFrom("memory_versions").where("memory_id", "=", event.data.memoryId).execute();
      await trx.deleteFrom("memories").where("id", "=", event.data.memoryId).execute();
      return;
    case "memory.memory.embedded": {
      const d = event.data;
      // A vector sealed under an erased owner's key replays as a placeholder: skip it (the stream ends forgotten).
      if (!Array.isArray(d.embedding) || d.embedding.length === 0) return;
      await trx
        .updateTable("memories")
        .set({
          embedding: pgvector.toSql(d.embedding),
          embedding_model: d.model,
          embedding_dims: d.dimensions,
          embedding_version: d.version,
          embed_after: null,
          embed_attempts: 0,
        })
        .where("id", "=", d.memoryId)
        .where("version", "=", d.version)
        .execute();
      return;
    }
    default: {
      const unknown: never = event;
      throw new Error(`unhandled memory event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Inline projection of collection events; a deleted collection's memories leave it (or were forgotten). */
export async function projectCollectionEvents(
  trx: Transaction<MemoryDb>,
  events: readonly StoredEvent<CollectionEvent>[],
): Promise<void> {
  for (const event of events) {
    switch (event.type) {
      case "memory.collection.created": {
        const d = event.data;
        await trx
          .insertInto("collections")
          .values({
            id: d.collectionId,
            project_id: d.projectId,
            name: d.name,
            description: d.description,
            created_at: d.createdAt,
            updated_at: d.createdAt,
          })
          .execute();
        break;
      }
      case "memory.collection.renamed":
        await trx
          .updateTable("collections")
          .set({ name: event.data.name, updated_at: event.data.renamedAt })
          .where("id", "=", event.data.collectionId)
          .execute();
        break;
      case "memory.collection.deleted":
        await trx.deleteFrom("collections").where("id", "=", event.data.collectionId).execute();
        await trx
          .updateTable("memories")
          .set({ collection_id: null })
          .where("project_id", "=", event.data.projectId)
          .where("collection_id", "=", event.data.collectionId)
          .execute();
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unhandled collection event ${JSON.stringify(unknown)}`);
      }
    }
  }
}
