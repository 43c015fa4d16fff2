import { z } from "zod";
import { defineEvent } from "./messaging.ts";
import { AssignableProjectRoleSchema, PlatformRoleSchema, ProjectRoleSchema } from "./roles.ts";
import { text, timestamp } from "./scalars.ts";

/**
 * The user service's public events. Personal data (email, display name, preferences) is stored
 * sealed in the service's own events and never published: these shapes leave it out, and the
 * relay strips whatever a contract does not name.
 */

export const profileCreated = defineEvent({
  type: "user.profile.created",
  version: 1,
  data: z.object({ userId: z.uuid(), createdAt: timestamp() }),
});

export const profileUpdated = defineEvent({
  type: "user.profile.updated",
  version: 1,
  data: z.object({ userId: z.uuid(), updatedAt: timestamp() }),
});

export const roleGranted = defineEvent({
  type: "user.role.granted",
  version: 1,
  data: z.object({ userId: z.uuid(), role: PlatformRoleSchema, grantedAt: timestamp() }),
});

export const roleRevoked = defineEvent({
  type: "user.role.revoked",
  version: 1,
  data: z.object({ userId: z.uuid(), role: PlatformRoleSchema, revokedAt: timestamp() }),
});

/** Every service drops or anonymises what it holds about `userId` on this event. */
export const userErased = defineEvent({
  type: "user.user.erased",
  version: 1,
  data: z.object({ userId: z.uuid(), erasedAt: timestamp() }),
});

export const projectCreated = defineEvent({
  type: "user.project.created",
  version: 1,
  /** `userId`: the creator, its first owner. */
  data: z.object({ projectId: z.uuid(), userId: z.uuid(), createdAt: timestamp() }),
});

/**
 * The project is gone; every membership was removed just before (one `user.membership.removed`
 * each). `userId`: whose action (or erasure) deleted it.
 */
export const projectDeleted = defineEvent({
  type: "user.project.deleted",
  version: 1,
  data: z.object({ projectId: z.uuid(), userId: z.uuid(), deletedAt: timestamp() }),
});

export const membershipAdded = defineEvent({
  type: "user.membership.added",
  version: 1,
  data: z.object({
    projectId: z.uuid(),
    userId: z.uuid(),
    role: ProjectRoleSchema,
    addedAt: timestamp(),
  }),
});

export const membershipChanged = defineEvent({
  type: "user.membership.changed",
  version: 1,
  data: z.object({
    projectId: z.uuid(),
    userId: z.uuid(),
    role: ProjectRoleSchema,
    previousRole: ProjectRoleSchema,
    changedAt: timestamp(),
  }),
});

export const membershipRemoved = defineEvent({
  type: "user.membership.removed",
  version: 1,
  data: z.object({
    projectId: z.uuid(),
    userId: z.uuid(),
    role: ProjectRoleSchema,
    removedAt: timestamp(),
  }),
});

/**
 * For `outbound`, which sends the invitation email: everything the message needs. The address is
 * stored sealed under a key of the invitation's own, and this published copy is deleted from the
 * bus when the invitation ends (that key is destroyed then). No other event carries the address.
 */
export const invitationCreated = defineEvent({
  type: "user.invitation.created",
  version: 1,
  data: z.object({
    invitationId: z.uuid(),
    projectId: z.uuid(),
    projectName: text(),
    email: text(),
    role: AssignableProjectRoleSchema,
    invitedBy: z.uuid(),
    expiresAt: timestamp(),
    createdAt: timestamp(),
  }),
});

/** `userId` accepted and is a member from the `user.membership.added` that follows (unless already one). */
export const invitationAccepted = defineEvent({
  type: "user.invitation.accepted",
  version: 1,
  data: z.object({
    invitationId: z.uuid(),
    projectId: z.uuid(),
    userId: z.uuid(),
    role: AssignableProjectRoleSchema,
    acceptedAt: timestamp(),
  }),
});

export const invitationDeclined = defineEvent({
  type: "user.invitation.declined",
  version: 1,
  data: z.object({ invitationId: z.uuid(), projectId: z.uuid(), userId: z.uuid(), declinedAt: timestamp() }),
});

/** Withdrawn by an owner or admin (the actor), or because the project was deleted. */
export const invitationRevoked = defineEvent({
  type: "user.invitation.revoked",
  version: 1,
  data: z.object({ invitationId: z.uuid(), projectId: z.uuid(), revokedAt: timestamp() }),
});

export const invitationExpired = defineEvent({
  type: "user.invitation.expired",
  version: 1,
  data: z.object({ invitationId: z.uuid(), projectId: z.uuid(), expiredAt: timestamp() }),
});

/** Every event the user service publishes. */
export const USER_EVENTS = [
  profileCreated,
  profileUpdated,
  roleGranted,
  roleRevoked,
  userErased,
  projectCreated,
  projectDeleted,
  membershipAdded,
  membershipChanged,
  membershipRemoved,
  invitationCreated,
  invitationAccepted,
  invitationDeclined,
  invitationRevoked,
  invitationExpired,
] as const;

/**
 * Event types after which a cached access answer may be stale; each carries `userId` (and
 * `projectId` for memberships) in its data.
 */
export const ACCESS_CHANGING_EVENTS = [
  roleGranted.type,
  roleRevoked.type,
  membershipAdded.type,
  membershipChanged.type,
  membershipRemoved.type,
  projectDeleted.type,
  userErased.type,
] as const;
