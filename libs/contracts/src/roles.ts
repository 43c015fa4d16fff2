import { z } from "zod";

/** Roles, in a module of their own: routes, headers and the user area all name them. */

export const PLATFORM_ROLES = ["admin"] as const;
export const PlatformRoleSchema = z.enum(PLATFORM_ROLES);
export type PlatformRole = z.infer<typeof PlatformRoleSchema>;

export const PROJECT_ROLES = ["owner", "admin", "member", "viewer"] as const;
export const ProjectRoleSchema = z.enum(PROJECT_ROLES).meta({ id: "ProjectRole" });
export type ProjectRole = z.infer<typeof ProjectRoleSchema>;

/** Roles that can be given to a member; ownership comes only with creating the project. */
export const AssignableProjectRoleSchema = z.enum(["admin", "member", "viewer"]);
export type AssignableProjectRole = z.infer<typeof AssignableProjectRoleSchema>;
