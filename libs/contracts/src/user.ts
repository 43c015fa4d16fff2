import { z } from "zod";
import { defineOperation } from "./messaging.ts";
import { defineRoute, type RouteDefinition } from "./routes.ts";
import {
  userEraseMe,
  userGetMe,
  userHistoryList,
  userMemberAdd,
  userMemberRemove,
  userProjectCreate,
  userProjectsList,
  userUpdateMe,
} from "./user-operations.ts";
import {
  AddMemberBodySchema,
  CreatedProjectSchema,
  CreateProjectSchema,
  HistoryPageSchema,
  MemberParamsSchema,
  MembershipSchema,
  PlatformRoleSchema,
  ProfileSchema,
  ProjectPageSchema,
  ProjectParamsSchema,
  ProjectRoleSchema,
  UpdateMeSchema,
  UserPageQuerySchema,
} from "./user-schemas.ts";

export * from "./user-events.ts";
export * from "./user-operations.ts";
export * from "./user-schemas.ts";

/**
 * What the gateway needs to authorise a request: the caller's platform roles and, for a
 * project-scoped route, their role in that project (null: not a member, answered as 404).
 * The gateway caches answers and drops them on `ACCESS_CHANGING_EVENTS`.
 */
export const userAccessGet = defineOperation({
  service: "user",
  name: "access.get",
  request: z.strictObject({ userId: z.uuid(), projectId: z.uuid().optional() }),
  response: z.object({
    platformRoles: z.array(PlatformRoleSchema),
    projectRole: ProjectRoleSchema.nullable(),
  }),
});

/**
 * Event types after which a cached access answer may be stale; each carries `userId` (and
 * `projectId` for memberships) in its data. The user service declares their full contracts.
 */
export const ACCESS_CHANGING_EVENTS = [
  "user.role.granted",
  "user.role.revoked",
  "user.membership.added",
  "user.membership.changed",
  "user.membership.removed",
  "user.project.deleted",
  "user.user.erased",
] as const;

export const userRoutes: readonly RouteDefinition[] = [
  defineRoute({
    method: "GET",
    path: "/v1/users/me",
    summary: "The caller's profile",
    operation: userGetMe,
    auth: "bearer",
    rateClass: "read",
    successStatus: 200,
    response: ProfileSchema,
  }),
  defineRoute({
    method: "PATCH",
    path: "/v1/users/me",
    summary: "Change the display name and merge preferences (JSON Merge Patch, 16 KiB)",
    operation: userUpdateMe,
    auth: "bearer",
    rateClass: "write",
    successStatus: 200,
    request: { body: UpdateMeSchema },
    response: ProfileSchema,
    bodyLimit: 32_768,
  }),
  defineRoute({
    method: "DELETE",
    path: "/v1/users/me",
    summary: "Erase the caller's account and personal data across services",
    operation: userEraseMe,
    auth: "bearer",
    rateClass: "write",
    successStatus: 202,
    response: null,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/users/me/history",
    summary: "The caller's own events across services, newest first",
    operation: userHistoryList,
    auth: "bearer",
    rateClass: "read",
    successStatus: 200,
    request: { query: UserPageQuerySchema },
    response: HistoryPageSchema,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/projects",
    summary: "Create a project owned by the caller",
    operation: userProjectCreate,
    auth: "bearer",
    rateClass: "write",
    idempotent: true,
    successStatus: 201,
    request: { body: CreateProjectSchema },
    response: CreatedProjectSchema,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/projects",
    summary: "The projects the caller belongs to",
    operation: userProjectsList,
    auth: "bearer",
    rateClass: "read",
    successStatus: 200,
    request: { query: UserPageQuerySchema },
    response: ProjectPageSchema,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/projects/{projectId}/members",
    summary: "Add a member by user id or email (owners and admins)",
    operation: userMemberAdd,
    auth: "bearer",
    projectScoped: true,
    projectRoles: ["owner", "admin"],
    rateClass: "write",
    successStatus: 201,
    request: { params: ProjectParamsSchema, body: AddMemberBodySchema },
    response: MembershipSchema,
  }),
  defineRoute({
    method: "DELETE",
    path: "/v1/projects/{projectId}/members/{userId}",
    summary: "Remove a member (owners and admins), or leave the project (any member, for themselves)",
    operation: userMemberRemove,
    auth: "bearer",
    // Every role: a member may remove themselves; the user service decides the rest.
    projectScoped: true,
    rateClass: "write",
    successStatus: 204,
    request: { params: MemberParamsSchema },
    response: null,
  }),
];
