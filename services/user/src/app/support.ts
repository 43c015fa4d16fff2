import {
  AssignableProjectRoleSchema,
  type Invitation,
  InvitationStatusSchema,
  type Member,
  type PlatformRole,
  PlatformRoleSchema,
  type Profile,
  ProjectRoleSchema,
  type ProjectSummary,
} from "@tessera/contracts";
import { z } from "zod";
import type { InvitationWithProject } from "../infra/invitations.ts";
import type { MemberProjectRow, MemberRow } from "../infra/projects.ts";
import type { ProfileRow } from "../infra/tables.ts";

/** Inside every keyset cursor of this service: the sort time and the id that breaks ties. */
export const KeysetCursorSchema = z.object({
  at: z.iso.datetime().transform((at) => new Date(at)),
  id: z.uuid(),
});

export function platformRoles(roles: readonly string[]): PlatformRole[] {
  return roles.flatMap((role) => {
    const parsed = PlatformRoleSchema.safeParse(role);
    return parsed.success ? [parsed.data] : [];
  });
}

export function toProfile(row: ProfileRow): Profile {
  return {
    id: row.user_id,
    email: row.email,
    displayName: row.display_name,
    roles: platformRoles(row.roles),
    preferences: row.preferences,
    createdAt: row.created_at.toISOString(),
  };
}

export function toProjectSummary(row: MemberProjectRow): ProjectSummary {
  return {
    id: row.project_id,
    name: row.name,
    role: ProjectRoleSchema.parse(row.role),
    createdAt: row.created_at.toISOString(),
  };
}

export function toMember(row: MemberRow): Member {
  return {
    userId: row.user_id,
    displayName: row.display_name,
    role: ProjectRoleSchema.parse(row.role),
    joinedAt: row.added_at.toISOString(),
  };
}

/** A pending invitation whose time is up reads as expired (and without its address) at once. */
export function toInvitation(row: InvitationWithProject, now: Date): Invitation {
  const stored = InvitationStatusSchema.parse(row.status);
  const status = stored === "pending" && row.expires_at <= now ? "expired" : stored;
  return {
    id: row.invitation_id,
    projectId: row.project_id,
    projectName: row.project_name,
    email: status === "pending" ? row.email : null,
    role: AssignableProjectRoleSchema.parse(row.role),
    status,
    invitedBy: row.invited_by,
    expiresAt: row.expires_at.toISOString(),
    createdAt: row.created_at.toISOString(),
  };
}
