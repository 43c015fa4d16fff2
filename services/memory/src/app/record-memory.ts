import { randomUUID } from "node:crypto";
import type { MessageContext, memoriesRecord } from "@tessera/contracts";
import { eventMetadata, scopedProject, userOrNull } from "@tessera/service-kit";
import type { z } from "zod";
import type { VectorOf } from "../domain/decide.ts";
import { CollectionNotFoundError, MemoryNotFoundError } from "../domain/errors.ts";
import { findCollection } from "../infra/collections.ts";
import { findExactDuplicate, findMemory, findNearDuplicate } from "../infra/memories.ts";
import { contentHash } from "../infra/projection.ts";
import { type MemoryDeps, runMemoryCommand } from "./deps.ts";

type Request = z.output<typeof memoriesRecord.request>;
type Response = z.input<typeof memoriesRecord.response>;

/**
 * `svc.memory.memories.record`: an exact or near duplicate in the same project and collection is
 * reinforced instead of copied. With the in-process embedder the vector is computed here (so the
 * near-duplicate check answers at once and the memory is searchable immediately); with a remote
 * provider the memory is stored `pending` and the embed worker takes over.
 */
export function recordMemory(deps: MemoryDeps) {
  return async (request: Request, ctx: MessageContext): Promise<Response> => {
    const projectId = scopedProject(request, ctx);
    const { db, embedder, policy } = deps;
    const metadata = eventMetadata(ctx, { projectId });
    const now = deps.clock();
    const meta = { now, workingTtlMs: policy.workingTtlMs };
    const collectionId = request.collectionId;
    if (collectionId !== null && !(await findCollection(db, projectId, collectionId))) {
      throw new CollectionNotFoundError(collectionId);
    }
    if (request.supersedes && !(await findMemory(db, projectId, request.supersedes))) {
      throw new MemoryNotFoundError(request.supersedes);
    }

    const reinforce = async (memoryId: string): Promise<Response> => {
      await runMemoryCommand(
        db,
        { type: "ReinforceMemory", data: { projectId, memoryId, importance: request.importance }, meta },
        metadata,
      );
      const memory = await findMemory(db, projectId, memoryId);
      if (!memory) throw new MemoryNotFoundError(memoryId);
      return { ...memory, result: "reinforced" };
    };

    const dedupe = !request.supersedes;
    if (dedupe) {
      const hash = contentHash(request.content);
      const exact = await findExactDuplicate(db, { projectId, collectionId, contentHash: hash, now });
      if (exact) return reinforce(exact);
    }
    let vector: VectorOf | undefined;
    if (embedder.local) {
      const [embedding] = await embedder.embed([request.content]);
      if (embedding) vector = { model: embedder.model, dimensions: embedder.dimensions, embedding };
    }
    if (dedupe && vector && policy.dedupeMaxDistance > 0) {
      const near = await findNearDuplicate(db, {
        projectId,
        collectionId,
        vector: vector.embedding,
        model: vector.model,
        dimensions: vector.dimensions,
        maxDistance: policy.dedupeMaxDistance,
        now,
      });
      if (near) return reinforce(near.id);
    }

    const memoryId = randomUUID();
    await db.transaction().execute(async (trx) => {
      await runMemoryCommand(
        trx,
        {
          type: "RecordMemory",
          data: {
            memoryId,
            projectId,
            collectionId,
            ownerId: userOrNull(ctx),
            tier: request.tier,
            content: request.content,
            metadata: request.metadata,
            importance: request.importance,
            sourceRefs: request.sourceRefs,
            validFrom: request.validFrom ? new Date(request.validFrom).toISOString() : undefined,
            validTo: request.validTo ? new Date(request.validTo).toISOString() : null,
            vector,
          },
          meta,
        },
        metadata,
      );
      if (request.supersedes) {
        await runMemoryCommand(
          trx,
          {
            type: "SupersedeMemory",
            data: { projectId, memoryId: request.supersedes, supersededBy: memoryId, reason: "replaced" },
            meta,
          },
          metadata,
        );
      }
    });
    const memory = await findMemory(db, projectId, memoryId);
    if (!memory) throw new MemoryNotFoundError(memoryId);
    // After the read, so the reply states what was stored rather than racing the worker.
    if (!vector) deps.nudgeEmbedding();
    return { ...memory, result: "created" };
  };
}
