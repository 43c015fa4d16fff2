import { z } from "zod";
import { DisplayNameSchema, EmailSchema } from "./auth-schemas.ts";
import { ServiceNameSchema } from "./messaging.ts";
import { pageSchema } from "./pagination.ts";
import { AssignableProjectRoleSchema, PlatformRoleSchema, ProjectRoleSchema } from "./roles.ts";
import { json, jsonBytes, text, timestamp } from "./scalars.ts";

export const ProfileSchema = z.object({
  id: z.uuid(),
  email: text(),
  displayName: text().nullable(),
  roles: z.array(PlatformRoleSchema),
  preferences: z.record(text(), z.unknown()),
  createdAt: timestamp(),
});
export type Profile = z.infer<typeof ProfileSchema>;

/** Serialized size limit of the preferences document (and of one patch), in bytes. @default 16_384 */
export const PREFERENCES_MAX_BYTES = 16_384;

/**
 * A JSON Merge Patch (RFC 7396) over the preferences: objects merge key by key, `null` deletes a
 * key, anything else (arrays included) replaces.
 */
export const PreferencesPatchSchema = z
  .record(text().min(1).max(200), json())
  .refine((patch) => jsonBytes(patch) <= PREFERENCES_MAX_BYTES, {
    message: `must be at most ${PREFERENCES_MAX_BYTES} bytes as JSON`,
  });

export const UpdateMeSchema = z.strictObject({
  /** 1–100 characters after trimming; null clears it. */
  displayName: DisplayNameSchema.nullable().optional(),
  preferences: PreferencesPatchSchema.optional(),
});
export type UpdateMe = z.infer<typeof UpdateMeSchema>;

export const HistoryEntrySchema = z.object({
  eventId: z.uuid(),
  type: text(),
  service: ServiceNameSchema,
  occurredAt: timestamp(),
  requestId: text().nullable(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const HistoryPageSchema = pageSchema(HistoryEntrySchema);
export type HistoryPage = z.infer<typeof HistoryPageSchema>;

export const ProjectNameSchema = text().trim().min(1).max(100);

export const CreateProjectSchema = z.strictObject({ name: ProjectNameSchema });

export const CreatedProjectSchema = z.object({ id: z.uuid(), name: text(), role: z.literal("owner") });
export type CreatedProject = z.infer<typeof CreatedProjectSchema>;

export const ProjectSummarySchema = z.object({
  id: z.uuid(),
  name: text(),
  role: ProjectRoleSchema,
  createdAt: timestamp(),
});
export type ProjectSummary = z.infer<typeof ProjectSummarySchema>;

export const ProjectPageSchema = pageSchema(ProjectSummarySchema);
export type ProjectPage = z.infer<typeof ProjectPageSchema>;

export const ProjectParamsSchema = z.strictObject({ projectId: z.uuid() });
export const MemberParamsSchema = z.strictObject({ projectId: z.uuid(), userId: z.uuid() });

const addMemberShape = {
  userId: z.uuid().optional(),
  email: EmailSchema.optional(),
  role: AssignableProjectRoleSchema,
};

function exactlyOneMemberKey(body: { userId?: string | undefined; email?: string | undefined }): boolean {
  return (body.userId === undefined) !== (body.email === undefined);
}

const oneOfMessage = { message: "give exactly one of userId and email", path: ["userId"] };

/** Body of `POST /v1/projects/{projectId}/members`: the member by id or by email, and a role. */
export const AddMemberBodySchema = z.strictObject(addMemberShape).refine(exactlyOneMemberKey, oneOfMessage);

/** The operation's request: the body with the path's project. */
export const AddMemberRequestSchema = z
  .strictObject({ ...addMemberShape, projectId: z.uuid() })
  .refine(exactlyOneMemberKey, oneOfMessage);
export type AddMemberRequest = z.infer<typeof AddMemberRequestSchema>;

export const MembershipSchema = z.object({
  projectId: z.uuid(),
  userId: z.uuid(),
  role: ProjectRoleSchema,
  addedAt: timestamp(),
});
export type Membership = z.infer<typeof MembershipSchema>;

/** Who the caller is to the gateway: platform roles and, for a project, their role there (null: none). */
export const AccessRequestSchema = z.strictObject({ userId: z.uuid(), projectId: z.uuid().optional() });
export const AccessSchema = z.object({
  platformRoles: z.array(PlatformRoleSchema),
  projectRole: ProjectRoleSchema.nullable(),
});

/** A change of an account's platform role (internal, no route). */
export const AdminRoleChangeRequestSchema = z.strictObject({
  email: EmailSchema,
  role: PlatformRoleSchema.default("admin"),
});
export const AdminRoleChangeSchema = z.object({
  userId: z.uuid(),
  email: text(),
  role: PlatformRoleSchema,
  /** False when the account already was (or was not) in that role. */
  changed: z.boolean(),
});

export const ErasureStartedSchema = z.object({ userId: z.uuid(), status: z.literal("erasure_started") });
export const MemberRemovedSchema = z.object({ projectId: z.uuid(), userId: z.uuid() });
