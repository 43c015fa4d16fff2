import { z } from "zod";
import { defineOperation } from "./messaging.ts";
import { PageQuerySchema } from "./pagination.ts";
import {
  AccessRequestSchema,
  AccessSchema,
  AddMemberRequestSchema,
  AdminRoleChangeRequestSchema,
  AdminRoleChangeSchema,
  CreatedProjectSchema,
  CreateProjectSchema,
  ErasureStartedSchema,
  HistoryPageSchema,
  MemberParamsSchema,
  MemberRemovedSchema,
  MembershipSchema,
  ProfileSchema,
  ProjectPageSchema,
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

export const membersAdd = defineOperation({
  service: "user",
  name: "members.add",
  request: AddMemberRequestSchema,
  response: MembershipSchema,
});

export const membersRemove = defineOperation({
  service: "user",
  name: "members.remove",
  request: MemberParamsSchema,
  response: MemberRemovedSchema,
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
