import type { PlatformRole, ProjectRole } from "@tessera/contracts";
import { ProjectRoleSchema } from "@tessera/contracts";
import type { Kysely } from "kysely";
import { platformRolesOf } from "../infra/profiles.ts";
import { findMembership } from "../infra/projects.ts";
import type { UserDb } from "../infra/tables.ts";
import { platformRoles } from "./support.ts";

/**
 * `svc.user.access.get`: the caller's platform roles and role in one project, for the gateway's
 * guards; two primary-key lookups on the read models.
 */
export function getAccess(deps: { db: Kysely<UserDb> }) {
  return async (request: {
    userId: string;
    projectId?: string | undefined;
  }): Promise<{ platformRoles: PlatformRole[]; projectRole: ProjectRole | null }> => {
    const [roles, membership] = await Promise.all([
      platformRolesOf(deps.db, request.userId),
      request.projectId === undefined
        ? Promise.resolve(undefined)
        : findMembership(deps.db, request.projectId, request.userId),
    ]);
    const projectRole = ProjectRoleSchema.safeParse(membership?.role);
    return {
      platformRoles: platformRoles(roles),
      projectRole: projectRole.success ? projectRole.data : null,
    };
  };
}
