import { z } from "zod";
import { defineEvent, defineOperation } from "./messaging.ts";
import { defineRoute, type RouteDefinition } from "./routes.ts";

export const PLATFORM_ROLES = ["admin"] as const;
export const PlatformRoleSchema = z.enum(PLATFORM_ROLES);
export type PlatformRole = z.infer<typeof PlatformRoleSchema>;

export const PROJECT_ROLES = ["owner", "admin", "member", "viewer"] as const;
export const ProjectRoleSchema = z.enum(PROJECT_ROLES);
export type ProjectRole = z.infer<typeof ProjectRoleSchema>;

export const ProfileSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  displayName: z.string().nullable(),
  roles: z.array(PlatformRoleSchema),
  preferences: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
});
export type Profile = z.infer<typeof ProfileSchema>;

export const profileCreated = defineEvent({
  type: "user.profile.created",
  version: 1,
  data: z.object({ userId: z.uuid(), email: z.string(), createdAt: z.iso.datetime() }),
});

/** The caller's own profile; the caller is the verified actor on the message context. */
export const userGetMe = defineOperation({
  service: "user",
  name: "me.get",
  request: z.strictObject({}),
  response: ProfileSchema,
});

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
];
