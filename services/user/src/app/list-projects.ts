import {
  decodeCursor,
  type MessageContext,
  type PageQuery,
  type ProjectPage,
  pageOf,
} from "@tessera/contracts";
import { requireUser } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { listProjectsOf } from "../infra/projects.ts";
import type { UserDb } from "../infra/tables.ts";
import { KeysetCursorSchema, toProjectSummary } from "./support.ts";

/** `svc.user.projects.list`: the caller's projects, in the order they joined them. */
export function listProjects(deps: { db: Kysely<UserDb> }) {
  return async (request: PageQuery, ctx: MessageContext): Promise<ProjectPage> => {
    const userId = requireUser(ctx);
    const after = decodeCursor(KeysetCursorSchema, request.cursor);
    const rows = await listProjectsOf(deps.db, userId, { limit: request.limit + 1, after });
    return pageOf(rows, request.limit, toProjectSummary, (row) => ({
      at: row.added_at.toISOString(),
      id: row.project_id,
    }));
  };
}
