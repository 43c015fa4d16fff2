import {
  decodeCursor,
  type MessageContext,
  type PageQuery,
  type ProjectPage,
  ProjectRoleSchema,
  pageOf,
} from "@tessera/contracts";
import { requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { z } from "zod";
import { listProjectsOf } from "../infra/projects.ts";
import type { UserDb } from "../infra/tables.ts";

const ProjectCursorSchema = z.object({ at: z.iso.datetime().transform((at) => new Date(at)), id: z.uuid() });

/** `svc.user.projects.list`: the caller's projects, in the order they joined them. */
export function listProjects(deps: { db: Kysely<UserDb> }) {
  return async (request: PageQuery, ctx: MessageContext): Promise<ProjectPage> => {
    const userId = requireUser(ctx);
    const after = decodeCursor(ProjectCursorSchema, request.cursor);
    const rows = await listProjectsOf(deps.db, userId, { limit: request.limit + 1, after });
    return pageOf(
      rows,
      request.limit,
      (row) => ({
        id: row.project_id,
        name: row.name,
        role: ProjectRoleSchema.parse(row.role),
        createdAt: row.created_at.toISOString(),
      }),
      (row) => ({ at: row.added_at.toISOString(), id: row.project_id }),
    );
  };
}
