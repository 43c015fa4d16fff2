import { type MessageContext, ProjectNotVisibleError, type ProjectSummary } from "@tessera/contracts";
import { requireUser, scopedProject } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { findProjectOfMember } from "../infra/projects.ts";
import type { UserDb } from "../infra/tables.ts";
import { toProjectSummary } from "./support.ts";

/** `svc.user.projects.get`: the project and the caller's role; a non-member hears it does not exist. */
export function getProject(deps: { db: Kysely<UserDb> }) {
  return async (request: { projectId: string }, ctx: MessageContext): Promise<ProjectSummary> => {
    const row = await findProjectOfMember(deps.db, scopedProject(request, ctx), requireUser(ctx));
    if (!row) throw new ProjectNotVisibleError();
    return toProjectSummary(row);
  };
}
