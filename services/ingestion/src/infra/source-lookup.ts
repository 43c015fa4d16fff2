import { sql } from "kysely";
import type { Db } from "./documents.ts";

/**
 * Whether `sourceId` names a source of the project. Sources are another part of this service
 * (their table arrives with them); until the `sources` table exists, any source id is taken as
 * given. The one place documents read a source.
 */
export async function sourceExistsInProject(db: Db, projectId: string, sourceId: string): Promise<boolean> {
  const { rows } = await sql<{
    present: boolean;
  }>`select to_regclass('sources') is not null as present`.execute(db);
  if (!rows[0]?.present) return true;
  const found = await sql`select 1 from sources where id = ${sourceId} and project_id = ${projectId}`.execute(
    db,
  );
  return found.rows.length > 0;
}
