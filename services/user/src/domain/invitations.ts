import {
  EmailUnverifiedError,
  InvitationClosedError,
  InvitationNotFoundError,
  InvitationPendingError,
  ProjectFullError,
  TooManyInvitationsError,
} from "./errors.ts";
import {
  type ActiveProject,
  type InvitationState,
  type InviteeData,
  MAX_PENDING_INVITATIONS,
  MAX_PROJECT_MEMBERS,
  managedBy,
  type ProjectCommand,
  type ProjectEvent,
  type ProjectState,
} from "./project-state.ts";

type DataOf<T extends ProjectCommand["type"]> = Extract<ProjectCommand, { type: T }>["data"];

/** Emails compare as `auth` compares them: Unicode-normalised, case ignored. */
export function normalizeEmail(email: string): string {
  return email.normalize("NFC").toLowerCase();
}

/** Pending and still in time: the only invitation anyone can act on. */
export function isOpen(invitation: InvitationState, now: Date): boolean {
  return invitation.status === "pending" && Date.parse(invitation.expiresAt) > now.getTime();
}

function openInvitations(project: ActiveProject, now: Date): InvitationState[] {
  return [...project.invitations.values()].filter((invitation) => isOpen(invitation, now));
}

/**
 * Owners and admins invite an address. One open invitation per address and project: another is
 * refused until that one ends (revoke it to invite again with another role).
 */
export function decideInvite(
  data: DataOf<"InviteMember">,
  state: ProjectState,
  actorId: string,
  now: Date,
): ProjectEvent[] {
  const project = managedBy(state, actorId, "invite");
  const open = openInvitations(project, now);
  const email = normalizeEmail(data.email);
  if (open.some((invitation) => normalizeEmail(invitation.email) === email))
    throw new InvitationPendingError();
  if (open.length >= MAX_PENDING_INVITATIONS) throw new TooManyInvitationsError(MAX_PENDING_INVITATIONS);
  return [
    {
      type: "user.invitation.created",
      data: { ...data, projectName: project.name, invitedBy: actorId, createdAt: now.toISOString() },
    },
  ];
}

/** Owners and admins withdraw an invitation that has not ended; revoking it twice changes nothing. */
export function decideRevoke(
  data: DataOf<"RevokeInvitation">,
  state: ProjectState,
  actorId: string,
  at: string,
): ProjectEvent[] {
  const project = managedBy(state, actorId, "revoke invitations");
  const invitation = project.invitations.get(data.invitationId);
  if (invitation === undefined) throw new InvitationNotFoundError();
  if (invitation.status === "revoked") return [];
  if (invitation.status !== "pending") throw new InvitationClosedError(invitation.status);
  return [{ type: "user.invitation.revoked", data: { ...data, revokedAt: at } }];
}

/**
 * The invitation the caller may answer. Whoever holds the id of an ended one learns only that it
 * ended (its address is forgotten by then); an open one addressed to someone else does not exist
 * for the caller; the addressee must have verified the address with `auth`.
 */
function answerable(
  data: InviteeData,
  state: ProjectState,
  now: Date,
): { project: ActiveProject; invitation: InvitationState } {
  // A deleted project's pending invitations were revoked just before it went.
  if (state.status === "deleted") throw new InvitationClosedError("revoked");
  if (state.status !== "active") throw new InvitationNotFoundError();
  const invitation = state.invitations.get(data.invitationId);
  if (invitation === undefined) throw new InvitationNotFoundError();
  if (invitation.status !== "pending") throw new InvitationClosedError(invitation.status);
  if (!isOpen(invitation, now)) throw new InvitationClosedError("expired");
  if (normalizeEmail(invitation.email) !== normalizeEmail(data.email)) throw new InvitationNotFoundError();
  if (!data.emailVerified) throw new EmailUnverifiedError();
  return { project: state, invitation };
}

/** The addressee joins with the invited role; someone already a member keeps the role they have. */
export function decideAccept(data: InviteeData, state: ProjectState, now: Date): ProjectEvent[] {
  const { project, invitation } = answerable(data, state, now);
  const { role } = invitation;
  const at = now.toISOString();
  const { projectId, invitationId, userId } = data;
  const accepted: ProjectEvent = {
    type: "user.invitation.accepted",
    data: { invitationId, projectId, userId, role, acceptedAt: at },
  };
  if (project.members.has(userId)) return [accepted];
  if (project.members.size >= MAX_PROJECT_MEMBERS) throw new ProjectFullError(MAX_PROJECT_MEMBERS);
  return [accepted, { type: "user.membership.added", data: { projectId, userId, role, addedAt: at } }];
}

export function decideDecline(data: InviteeData, state: ProjectState, now: Date): ProjectEvent[] {
  answerable(data, state, now);
  const { projectId, invitationId, userId } = data;
  return [
    {
      type: "user.invitation.declined",
      data: { invitationId, projectId, userId, declinedAt: now.toISOString() },
    },
  ];
}

/** Every pending invitation whose time is up ends (and its key goes with it). */
export function decideExpire(state: ProjectState, now: Date): ProjectEvent[] {
  if (state.status !== "active") return [];
  return [...state.invitations].flatMap(([invitationId, invitation]): ProjectEvent[] =>
    invitation.status === "pending" && !isOpen(invitation, now)
      ? [
          {
            type: "user.invitation.expired",
            data: { invitationId, projectId: state.projectId, expiredAt: now.toISOString() },
          },
        ]
      : [],
  );
}
