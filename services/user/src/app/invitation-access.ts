import { ProjectNotVisibleError } from "@tessera/contracts";
import type { Kysely } from "kysely";
import { ProjectForbiddenError } from "../domain/errors.ts";
import { findMembership } from "../infra/projects.ts";
import type { UserDb } from "../infra/tables.ts";

/**
 * Reads of a project's invitations are for its owners and admins: the role is checked on this
 * service's own memberships, whatever the headers say; a non-member hears the project does not exist.
 */
export async function requireInvitationManager(
  db: Kysely<UserDb>,
  projectId: string,
  userId: string,
): Promise<void> {
  const membership = await findMembership(db, projectId, userId);
  if (!membership) throw new ProjectNotVisibleError();
  if (membership.role !== "owner" && membership.role !== "admin") {
    throw new ProjectForbiddenError("Only owners and admins see the project's invitations.");
  }
}
