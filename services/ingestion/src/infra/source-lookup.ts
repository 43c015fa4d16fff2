import type { Db } from "./documents.ts";
import type { SourcesDb } from "./sources.tables.ts";
import { findSource } from "./sources.ts";

/** Whether `sourceId` names a source of the project: the one place documents read a source. */
export async function sourceExistsInProject(db: Db, projectId: string, sourceId: string): Promise<boolean> {
  return (await findSource(db.withTables<SourcesDb>(), projectId, sourceId)) !== undefined;
}
