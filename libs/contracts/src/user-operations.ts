import { z } from "zod";
import { defineOperation } from "./messaging.ts";
import { PageQuerySchema } from "./pagination.ts";
import {
  AccessRequestSchema,
  AccessSchema,
  AdminRoleChangeRequestSchema,
  AdminRoleChangeSchema,
  ChangeMemberRoleRequestSchema,
  CreatedProjectSchema,
  CreateInvitationRequestSchema,
  CreateProjectSchema,
  ErasureStartedSchema,
  HistoryPageSchema,
  InvitationPageSchema,
  InvitationParamsSchema,
  InvitationSchema,
  MemberPageSchema,
  MemberParamsSchema,
  MemberRemovedSchema,
  MemberSchema,
  MembershipSchema,
  MembersListRequestSchema,
  ProfileSchema,
  ProjectInvitationParamsSchema,
  ProjectInvitationsListRequestSchema,
  ProjectPageSchema,
  ProjectParamsSchema,
  ProjectSchema,
  UpdateMeSchema,
} from "./user-schemas.ts";

/** The `svc.user.*` operations; the caller is the verified actor on the message context. */

/** The caller's own profile. */
export const meGet = defineOperation({
  service: "user",
  name: "me.get",
  request: z.strictObject({}),
  response: ProfileSchema,
});

export const meUpdate = defineOperation({
  service: "user",
  name: "me.update",
  request: UpdateMeSchema,
  response: ProfileSchema,
});

/** Starts the erasure of the caller; the work happens on `evt.user.user.erased` in every service. */
export const meErase = defineOperation({
  service: "user",
  name: "me.erase",
  request: z.strictObject({}),
  response: ErasureStartedSchema,
});

/**
 * Internal (platform callers only): starts the erasure of `userId`, exactly as `me.erase` does for
 * the caller. Auth calls it when an identity provider deletes the user of a linked identity.
 */
export const usersErase = defineOperation({
  service: "user",
  name: "users.erase",
  request: z.strictObject({ userId: z.uuid() }),
  response: ErasureStartedSchema,
});

/** The caller's own events across services, newest first. */
export const historyList = defineOperation({
  service: "user",
  name: "history.list",
  request: PageQuerySchema,
  response: HistoryPageSchema,
});

export const projectsCreate = defineOperation({
  service: "user",
  name: "projects.create",
  request: CreateProjectSchema,
  response: CreatedProjectSchema,
});

export const projectsList = defineOperation({
  service: "user",
  name: "projects.list",
  request: PageQuerySchema,
  response: ProjectPageSchema,
});

/** The project as the caller sees it (a non-member: `404 project.not_found`). */
export const projectsGet = defineOperation({
  service: "user",
  name: "projects.get",
  request: ProjectParamsSchema,
  response: ProjectSchema,
});

/** The project's members in the order they joined; every member may see them. */
export const membersList = defineOperation({
  service: "user",
  name: "members.list",
  request: MembersListRequestSchema,
  response: MemberPageSchema,
});

/** Changes a member's role (owners and admins; only an owner gives or takes `owner`). */
export const membersUpdate = defineOperation({
  service: "user",
  name: "members.update",
  request: ChangeMemberRoleRequestSchema,
  response: MemberSchema,
});

export const membersRemove = defineOperation({
  service: "user",
  name: "members.remove",
  request: MemberParamsSchema,
  response: MemberRemovedSchema,
});

/**
 * Invites an email address into the project (owners and admins). The answer is the same whether or
 * not an account has that address; nobody becomes a member before accepting.
 */
export const invitationsCreate = defineOperation({
  service: "user",
  name: "invitations.create",
  request: CreateInvitationRequestSchema,
  response: InvitationSchema,
});

/** The project's pending invitations, newest first (owners and admins). */
export const invitationsList = defineOperation({
  service: "user",
  name: "invitations.list",
  request: ProjectInvitationsListRequestSchema,
  response: InvitationPageSchema,
});

/** One of the project's invitations, in whatever state it is (owners and admins). */
export const invitationsGet = defineOperation({
  service: "user",
  name: "invitations.get",
  request: ProjectInvitationParamsSchema,
  response: InvitationSchema,
});

/** Withdraws a pending invitation (owners and admins); revoking it again changes nothing. */
export const invitationsRevoke = defineOperation({
  service: "user",
  name: "invitations.revoke",
  request: ProjectInvitationParamsSchema,
  response: z.null(),
});

/** Pending invitations addressed to the caller's verified email, newest first. */
export const receivedInvitationsList = defineOperation({
  service: "user",
  name: "received-invitations.list",
  request: PageQuerySchema,
  response: InvitationPageSchema,
});

/** The invitee (a signed-in account whose verified email is the invited one) joins the project. */
export const invitationsAccept = defineOperation({
  service: "user",
  name: "invitations.accept",
  request: InvitationParamsSchema,
  response: MembershipSchema,
});

/** The invitee turns the invitation down. */
export const invitationsDecline = defineOperation({
  service: "user",
  name: "invitations.decline",
  request: InvitationParamsSchema,
  response: z.null(),
});

/**
 * What the gateway needs to authorise a request: the caller's platform roles and, for a
 * project-scoped route, their role in that project (null: not a member, answered as 404).
 * The gateway caches answers and drops them on `ACCESS_CHANGING_EVENTS`.
 */
export const accessGet = defineOperation({
  service: "user",
  name: "access.get",
  request: AccessRequestSchema,
  response: AccessSchema,
});

/**
 * Internal (no route): gives a platform role to the account with this email. Only `system:*`
 * actors may call it (the CLI calls as `system:cli`).
 */
export const adminRolesGrant = defineOperation({
  service: "user",
  name: "admin-roles.grant",
  request: AdminRoleChangeRequestSchema,
  response: AdminRoleChangeSchema,
});

/** Internal (no route): takes a platform role away; `system:*` actors only. */
export const adminRolesRevoke = defineOperation({
  service: "user",
  name: "admin-roles.revoke",
  request: AdminRoleChangeRequestSchema,
  response: AdminRoleChangeSchema,
});
