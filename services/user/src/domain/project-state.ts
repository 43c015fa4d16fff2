import {
  type AssignableProjectRole,
  type InvitationStatus,
  ProjectNotVisibleError,
  type ProjectRole,
} from "@tessera/contracts";
import { ProjectForbiddenError } from "./errors.ts";

/** Members per project. @default 1_000 */
export const MAX_PROJECT_MEMBERS = 1_000;

/** Pending invitations per project at once. @default 200 */
export const MAX_PENDING_INVITATIONS = 200;

export interface ProjectCommandMeta {
  now: Date;
  /** The user acting; the decider checks their role in its own state, never a header. */
  actorId: string;
}

type Member = { projectId: string; userId: string };
type InvitationRef = { invitationId: string; projectId: string };

/**
 * The project aggregate (`project-<id>`): the project, its memberships and its invitations.
 * `email` in `user.invitation.created` is personal: sealed under the invitation's own key, which
 * is destroyed when the invitation ends (it then reads as a placeholder).
 */
export type ProjectEvent =
  | {
      type: "user.project.created";
      data: { projectId: string; userId: string; name: string; createdAt: string };
    }
  | { type: "user.membership.added"; data: Member & { role: ProjectRole; addedAt: string } }
  | {
      type: "user.membership.changed";
      data: Member & { role: ProjectRole; previousRole: ProjectRole; changedAt: string };
    }
  | { type: "user.membership.removed"; data: Member & { role: ProjectRole; removedAt: string } }
  | { type: "user.project.deleted"; data: { projectId: string; userId: string; deletedAt: string } }
  | {
      type: "user.invitation.created";
      data: InvitationRef & {
        projectName: string;
        email: string;
        role: AssignableProjectRole;
        invitedBy: string;
        expiresAt: string;
        createdAt: string;
      };
    }
  | {
      type: "user.invitation.accepted";
      data: InvitationRef & { userId: string; role: AssignableProjectRole; acceptedAt: string };
    }
  | { type: "user.invitation.declined"; data: InvitationRef & { userId: string; declinedAt: string } }
  | { type: "user.invitation.revoked"; data: InvitationRef & { revokedAt: string } }
  | { type: "user.invitation.expired"; data: InvitationRef & { expiredAt: string } };

export interface InvitationState {
  email: string;
  role: AssignableProjectRole;
  /** `pending` past `expiresAt` counts as expired, whether or not `user.invitation.expired` is there yet. */
  status: InvitationStatus;
  expiresAt: string;
}

export type ProjectState =
  | { status: "absent" }
  | {
      status: "active";
      projectId: string;
      name: string;
      members: ReadonlyMap<string, ProjectRole>;
      invitations: ReadonlyMap<string, InvitationState>;
    }
  | { status: "deleted" };

export type ActiveProject = Extract<ProjectState, { status: "active" }>;

/** What an invitee says about themselves: the verified facts come from their profile, not the request. */
export interface InviteeData {
  projectId: string;
  invitationId: string;
  userId: string;
  email: string;
  emailVerified: boolean;
}

export type ProjectCommand =
  | { type: "CreateProject"; data: { projectId: string; name: string }; meta: ProjectCommandMeta }
  | {
      type: "ChangeMemberRole";
      data: Member & { role: ProjectRole };
      meta: ProjectCommandMeta;
    }
  | { type: "RemoveMember"; data: Member; meta: ProjectCommandMeta }
  /** The platform forgets an erased user: no actor check, and a last owner is replaced or the project goes. */
  | { type: "RemoveErasedUser"; data: Member; meta: ProjectCommandMeta }
  | {
      type: "InviteMember";
      data: InvitationRef & { email: string; role: AssignableProjectRole; expiresAt: string };
      meta: ProjectCommandMeta;
    }
  | { type: "RevokeInvitation"; data: InvitationRef; meta: ProjectCommandMeta }
  | { type: "AcceptInvitation"; data: InviteeData; meta: ProjectCommandMeta }
  | { type: "DeclineInvitation"; data: InviteeData; meta: ProjectCommandMeta }
  /** The platform ends the invitations whose time is up. */
  | { type: "ExpireInvitations"; data: { projectId: string }; meta: ProjectCommandMeta };

/**
 * The acting member and the project; a non-member is told the project does not exist
 * (`project.not_found`, the gateway's answer too), so project ids do not leak.
 */
export function actorRole(
  state: ProjectState,
  actorId: string,
): { project: ActiveProject; role: ProjectRole } {
  const role = state.status === "active" ? state.members.get(actorId) : undefined;
  if (state.status !== "active" || role === undefined) throw new ProjectNotVisibleError();
  return { project: state, role };
}

/** The project, when the actor is one of its owners or admins. */
export function managedBy(state: ProjectState, actorId: string, doing: string): ActiveProject {
  const { project, role } = actorRole(state, actorId);
  if (role !== "owner" && role !== "admin")
    throw new ProjectForbiddenError(`Only owners and admins ${doing}.`);
  return project;
}

export function owners(project: ActiveProject): number {
  return [...project.members.values()].filter((role) => role === "owner").length;
}

export function evolveProject(state: ProjectState, event: ProjectEvent): ProjectState {
  if (event.type === "user.project.created") {
    return {
      status: "active",
      projectId: event.data.projectId,
      name: event.data.name,
      members: new Map(),
      invitations: new Map(),
    };
  }
  if (event.type === "user.project.deleted") return { status: "deleted" };
  if (state.status !== "active") return state;
  switch (event.type) {
    case "user.membership.added":
    case "user.membership.changed":
      return { ...state, members: new Map(state.members).set(event.data.userId, event.data.role) };
    case "user.membership.removed": {
      const members = new Map(state.members);
      members.delete(event.data.userId);
      return { ...state, members };
    }
    case "user.invitation.created": {
      const { email, role, expiresAt } = event.data;
      const invitation: InvitationState = { email, role, expiresAt, status: "pending" };
      return { ...state, invitations: new Map(state.invitations).set(event.data.invitationId, invitation) };
    }
    case "user.invitation.accepted":
      return withInvitationStatus(state, event.data.invitationId, "accepted");
    case "user.invitation.declined":
      return withInvitationStatus(state, event.data.invitationId, "declined");
    case "user.invitation.revoked":
      return withInvitationStatus(state, event.data.invitationId, "revoked");
    case "user.invitation.expired":
      return withInvitationStatus(state, event.data.invitationId, "expired");
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function withInvitationStatus(project: ActiveProject, invitationId: string, status: InvitationStatus) {
  const invitation = project.invitations.get(invitationId);
  if (invitation === undefined) return project;
  return {
    ...project,
    invitations: new Map(project.invitations).set(invitationId, { ...invitation, status }),
  };
}

export function projectStreamId(projectId: string): string {
  return `project-${projectId}`;
}
