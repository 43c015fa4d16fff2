import { randomUUID } from "node:crypto";
import {
  CreatedCursorSchema,
  type collectionsCreate,
  type collectionsDelete,
  type collectionsList,
  type collectionsRename,
  createdCursorOf,
  decodeCursor,
  type MessageContext,
  pageOf,
} from "@tessera/contracts";
import { eventMetadata, scopedProject } from "@tessera/service-kit";
import type { z } from "zod";
import { CollectionNameTakenError, CollectionNotFoundError } from "../domain/errors.ts";
import { findCollection, isCollectionNameTaken, listCollections } from "../infra/collections.ts";
import { listCollectionMemories } from "../infra/memories.ts";
import { type MemoryDeps, runCollectionCommand, runMemoryCommand } from "./deps.ts";

async function translateNameTaken<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isCollectionNameTaken(error)) throw new CollectionNameTakenError(name, { cause: error });
    throw error;
  }
}

/** `svc.memory.collections.create`: names are unique per project, ignoring case. */
export function createCollection(deps: MemoryDeps) {
  return async (
    request: z.output<typeof collectionsCreate.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof collectionsCreate.response>> => {
    const projectId = scopedProject(request, ctx);
    const collectionId = randomUUID();
    await translateNameTaken(request.name, () =>
      runCollectionCommand(
        deps.db,
        {
          type: "CreateCollection",
          data: { projectId, collectionId, name: request.name, description: request.description },
          meta: { now: deps.clock() },
        },
        eventMetadata(ctx, { projectId }),
      ),
    );
    const collection = await findCollection(deps.db, projectId, collectionId);
    if (!collection) throw new CollectionNotFoundError(collectionId);
    return collection;
  };
}

/** `svc.memory.collections.list`: oldest first, keyset-paged. */
export function listProjectCollections(deps: Pick<MemoryDeps, "db">) {
  return async (
    request: z.output<typeof collectionsList.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof collectionsList.response>> => {
    const projectId = scopedProject(request, ctx);
    const rows = await listCollections(deps.db, projectId, {
      after: decodeCursor(CreatedCursorSchema, request.cursor),
      limit: request.limit + 1,
    });
    return pageOf(rows, request.limit, (row) => row, createdCursorOf);
  };
}

/** `svc.memory.collections.rename` */
export function renameCollection(deps: MemoryDeps) {
  return async (
    request: z.output<typeof collectionsRename.request>,
    ctx: MessageContext,
  ): Promise<z.input<typeof collectionsRename.response>> => {
    const projectId = scopedProject(request, ctx);
    const { collectionId, name } = request;
    await translateNameTaken(name, () =>
      runCollectionCommand(
        deps.db,
        { type: "RenameCollection", data: { projectId, collectionId, name }, meta: { now: deps.clock() } },
        eventMetadata(ctx, { projectId }),
      ),
    );
    const collection = await findCollection(deps.db, projectId, collectionId);
    if (!collection) throw new CollectionNotFoundError(collectionId);
    return collection;
  };
}

/**
 * `svc.memory.collections.delete`: its memories stay, outside any collection, unless
 * `withMemories` — then each is forgotten, in the same transaction as the deletion.
 */
export function deleteCollection(deps: MemoryDeps) {
  return async (request: z.output<typeof collectionsDelete.request>, ctx: MessageContext): Promise<null> => {
    const projectId = scopedProject(request, ctx);
    const { collectionId } = request;
    const withMemories = request.withMemories === "true";
    const metadata = eventMetadata(ctx, { projectId });
    const now = deps.clock();
    await deps.db.transaction().execute(async (trx) => {
      if (withMemories) {
        for (const memory of await listCollectionMemories(trx, projectId, collectionId)) {
          await runMemoryCommand(
            trx,
            {
              type: "ForgetMemory",
              data: { projectId, memoryId: memory.id, reason: "collection_deleted" },
              meta: { now, workingTtlMs: deps.policy.workingTtlMs },
            },
            metadata,
          );
        }
      }
      await runCollectionCommand(
        trx,
        { type: "DeleteCollection", data: { projectId, collectionId, withMemories }, meta: { now } },
        metadata,
      );
    });
    return null;
  };
}
