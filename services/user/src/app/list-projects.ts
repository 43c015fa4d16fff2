import {
  type MessageContext,
  type ProjectPage,
  ProjectRoleSchema,
  type UserPageQuery,
} from "@tessera/contracts";
import type { Kysely } from "kysely";
import { listProjectsOf } from "../infra/projects.ts";
import type { UserDb } from "../infra/tables.ts";
import { decodeCursor, pageOf } from "./cursor.ts";
import { callerId } from "./support.ts";

/** `svc.user.projects.list`: the caller's projects, in the order they joined them. */
export function listProjects(deps: { db: Kysely<UserDb> }) {
  return async (request: UserPageQuery, ctx: MessageContext): Promise<ProjectPage> => {
    const userId = callerId(ctx);
    const after = decodeCursor(request.cursor);
    const rows = await listProjectsOf(deps.db, userId, { limit: request.limit + 1, after });
    const page = pageOf(rows, request.limit, (row) => ({ at: row.added_at, id: row.project_id }));
    return {
      items: page.items.map((row) => ({
        id: row.project_id,
        name: row.name,
        role: ProjectRoleSchema.parse(row.role),
        createdAt: row.created_at.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  };
}
