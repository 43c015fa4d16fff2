import { z } from "zod";
import { EmailSchema } from "./auth-schemas.ts";
import { defineOperation } from "./messaging.ts";
import {
  AddMemberRequestSchema,
  CreatedProjectSchema,
  CreateProjectSchema,
  HistoryPageSchema,
  MemberParamsSchema,
  MembershipSchema,
  PlatformRoleSchema,
  ProfileSchema,
  ProjectPageSchema,
  UpdateMeSchema,
  UserPageQuerySchema,
} from "./user-schemas.ts";

/** The caller's own profile; the caller is the verified actor on the message context. */
export const userGetMe = defineOperation({
  service: "user",
  name: "me.get",
  request: z.strictObject({}),
  response: ProfileSchema,
});

export const userUpdateMe = defineOperation({
  service: "user",
  name: "me.update",
  request: UpdateMeSchema,
  response: ProfileSchema,
});

/** Starts the erasure of the caller; the work happens on `evt.user.user.erased` in every service. */
export const userEraseMe = defineOperation({
  service: "user",
  name: "me.erase",
  request: z.strictObject({}),
  response: z.object({ userId: z.uuid(), status: z.literal("erasure_started") }),
});

export const userHistoryList = defineOperation({
  service: "user",
  name: "me.history.list",
  request: UserPageQuerySchema,
  response: HistoryPageSchema,
});

export const userProjectCreate = defineOperation({
  service: "user",
  name: "projects.create",
  request: CreateProjectSchema,
  response: CreatedProjectSchema,
});

export const userProjectsList = defineOperation({
  service: "user",
  name: "projects.list",
  request: UserPageQuerySchema,
  response: ProjectPageSchema,
});

export const userMemberAdd = defineOperation({
  service: "user",
  name: "members.add",
  request: AddMemberRequestSchema,
  response: MembershipSchema,
});

export const userMemberRemove = defineOperation({
  service: "user",
  name: "members.remove",
  request: MemberParamsSchema,
  response: z.object({ projectId: z.uuid(), userId: z.uuid() }),
});

const AdminRoleChangeSchema = z.object({
  userId: z.uuid(),
  email: z.string(),
  role: PlatformRoleSchema,
  /** False when the account already was (or was not) in that role. */
  changed: z.boolean(),
});

/**
 * Internal (no route): gives a platform role to the account with this email. Only `system:*`
 * actors may call it (the CLI calls as `system:cli`).
 */
export const userAdminGrant = defineOperation({
  service: "user",
  name: "admin.grant",
  request: z.strictObject({ email: EmailSchema, role: PlatformRoleSchema.default("admin") }),
  response: AdminRoleChangeSchema,
});

/** Internal (no route): takes a platform role away; `system:*` actors only. */
export const userAdminRevoke = defineOperation({
  service: "user",
  name: "admin.revoke",
  request: z.strictObject({ email: EmailSchema, role: PlatformRoleSchema.default("admin") }),
  response: AdminRoleChangeSchema,
});
