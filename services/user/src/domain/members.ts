import type { ProjectRole } from "@tessera/contracts";
import { LastOwnerError, MemberNotFoundError, ProjectExistsError, ProjectForbiddenError } from "./errors.ts";
import {
  type ActiveProject,
  actorRole,
  managedBy,
  owners,
  type ProjectCommand,
  type ProjectEvent,
  type ProjectState,
} from "./project-state.ts";

type Member = { projectId: string; userId: string };
type DataOf<T extends ProjectCommand["type"]> = Extract<ProjectCommand, { type: T }>["data"];

export function decideCreateProject(
  data: DataOf<"CreateProject">,
  state: ProjectState,
  actorId: string,
  at: string,
): ProjectEvent[] {
  if (state.status !== "absent") throw new ProjectExistsError();
  const { projectId, name } = data;
  return [
    { type: "user.project.created", data: { projectId, userId: actorId, name, createdAt: at } },
    { type: "user.membership.added", data: { projectId, userId: actorId, role: "owner", addedAt: at } },
  ];
}

/** Owners and admins change roles; only an owner gives or takes `owner`; the last owner stays one. */
export function decideChangeRole(
  data: DataOf<"ChangeMemberRole">,
  state: ProjectState,
  actorId: string,
  at: string,
): ProjectEvent[] {
  const project = managedBy(state, actorId, "change roles");
  const actor = project.members.get(actorId);
  const current = project.members.get(data.userId);
  if (current === undefined) throw new MemberNotFoundError();
  if (current === data.role) return [];
  if ((current === "owner" || data.role === "owner") && actor !== "owner") {
    throw new ProjectForbiddenError("Only an owner gives or takes the owner role.");
  }
  if (current === "owner" && owners(project) === 1) throw new LastOwnerError();
  return [{ type: "user.membership.changed", data: { ...data, previousRole: current, changedAt: at } }];
}

/** Owners and admins remove members, anyone leaves; only an owner removes an owner; the last owner stays. */
export function decideRemoveMember(
  data: Member,
  state: ProjectState,
  actorId: string,
  at: string,
): ProjectEvent[] {
  const { project, role: actor } = actorRole(state, actorId);
  const leaving = data.userId === actorId;
  if (!leaving && actor !== "owner" && actor !== "admin") {
    throw new ProjectForbiddenError("Only owners and admins remove other members.");
  }
  const target = project.members.get(data.userId);
  if (target === undefined) throw new MemberNotFoundError();
  if (target === "owner") {
    if (!leaving && actor !== "owner") throw new ProjectForbiddenError("Only an owner removes an owner.");
    if (owners(project) === 1) throw new LastOwnerError();
  }
  return [{ type: "user.membership.removed", data: { ...data, role: target, removedAt: at } }];
}

/**
 * An erased member leaves. When they were the only owner, the longest-standing admin becomes
 * owner; with no admin, the project is deleted (every membership removed and every pending
 * invitation revoked first), so no project is left without an owner (docs/decisions).
 */
export function decideRemoveErased(data: Member, state: ProjectState, at: string): ProjectEvent[] {
  if (state.status !== "active") return [];
  const role = state.members.get(data.userId);
  if (role === undefined) return [];
  const removed = (userId: string, memberRole: ProjectRole): ProjectEvent => ({
    type: "user.membership.removed",
    data: { projectId: data.projectId, userId, role: memberRole, removedAt: at },
  });
  if (role !== "owner" || owners(state) > 1) return [removed(data.userId, role)];
  const successor = [...state.members].find(([, memberRole]) => memberRole === "admin")?.[0];
  if (successor !== undefined) {
    return [
      {
        type: "user.membership.changed",
        data: {
          projectId: data.projectId,
          userId: successor,
          role: "owner",
          previousRole: "admin",
          changedAt: at,
        },
      },
      removed(data.userId, role),
    ];
  }
  return [
    ...[...state.members].map(([userId, memberRole]) => removed(userId, memberRole)),
    ...pendingInvitationIds(state).map(
      (invitationId): ProjectEvent => ({
        type: "user.invitation.revoked",
        data: { invitationId, projectId: data.projectId, revokedAt: at },
      }),
    ),
    { type: "user.project.deleted", data: { projectId: data.projectId, userId: data.userId, deletedAt: at } },
  ];
}

/** Invitations not yet ended by an event (those past their time included: they still hold a key). */
function pendingInvitationIds(project: ActiveProject): string[] {
  return [...project.invitations].flatMap(([id, invitation]) =>
    invitation.status === "pending" ? [id] : [],
  );
}
