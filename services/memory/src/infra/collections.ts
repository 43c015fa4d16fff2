import type { Collection, CreatedCursor } from "@tessera/contracts";
import { isUniqueViolation } from "@tessera/eventstore";
import { createdAfter } from "@tessera/service-kit";
import type { Db } from "./memories.ts";
import type { CollectionRow } from "./tables.ts";

export function collectionFromRow(row: CollectionRow): Collection {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    description: row.description,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function findCollection(
  db: Db,
  projectId: string,
  collectionId: string,
): Promise<Collection | undefined> {
  const row = await db
    .selectFrom("collections")
    .selectAll()
    .where("project_id", "=", projectId)
    .where("id", "=", collectionId)
    .executeTakeFirst();
  return row ? collectionFromRow(row) : undefined;
}

/** Oldest first, keyset-paged on (created_at, id). */
export async function listCollections(
  db: Db,
  projectId: string,
  page: { after?: CreatedCursor; limit: number },
): Promise<Collection[]> {
  const query = db
    .selectFrom("collections")
    .selectAll()
    .where("project_id", "=", projectId)
    .where(createdAfter(page.after))
    .orderBy("created_at")
    .orderBy("id")
    .limit(page.limit);
  return (await query.execute()).map(collectionFromRow);
}

/** The unique `(project_id, lower(name))` index refused a collection name. */
export function isCollectionNameTaken(error: unknown): boolean {
  return isUniqueViolation(error, "collections_project_name_unique");
}
