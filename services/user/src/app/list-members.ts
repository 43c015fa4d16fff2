import {
  decodeCursor,
  type MemberPage,
  type MessageContext,
  type PageQuery,
  ProjectNotVisibleError,
  pageOf,
} from "@tessera/contracts";
import { requireUser, scopedProject } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { findMembership, listMembers as listMemberRows } from "../infra/projects.ts";
import type { UserDb } from "../infra/tables.ts";
import { KeysetCursorSchema, toMember } from "./support.ts";

/** `svc.user.members.list`: the project's members in the order they joined; any member may look. */
export function listMembers(deps: { db: Kysely<UserDb> }) {
  return async (request: PageQuery & { projectId: string }, ctx: MessageContext): Promise<MemberPage> => {
    const projectId = scopedProject(request, ctx);
    if (!(await findMembership(deps.db, projectId, requireUser(ctx)))) throw new ProjectNotVisibleError();
    const after = decodeCursor(KeysetCursorSchema, request.cursor);
    const rows = await listMemberRows(deps.db, projectId, { limit: request.limit + 1, after });
    return pageOf(rows, request.limit, toMember, (row) => ({
      at: row.added_at.toISOString(),
      id: row.user_id,
    }));
  };
}
