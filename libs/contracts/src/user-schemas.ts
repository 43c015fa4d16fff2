import { z } from "zod";
import { DisplayNameSchema, EmailSchema } from "./auth-schemas.ts";
import { ServiceNameSchema } from "./messaging.ts";
import { PageQuerySchema, pageSchema } from "./pagination.ts";
import { AssignableProjectRoleSchema, PlatformRoleSchema, ProjectRoleSchema } from "./roles.ts";
import { json, jsonBytes, text, timestamp } from "./scalars.ts";

export const ProfileSchema = z
  .object({
    id: z.uuid(),
    email: text(),
    displayName: text().nullable(),
    roles: z.array(PlatformRoleSchema),
    preferences: z.record(text(), z.unknown()),
    createdAt: timestamp(),
  })
  .meta({ id: "Profile" });
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

export const HistoryEntrySchema = z
  .object({
    eventId: z.uuid(),
    type: text(),
    service: ServiceNameSchema,
    occurredAt: timestamp(),
    requestId: text().nullable(),
  })
  .meta({ id: "HistoryEntry" });
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

export const HistoryPageSchema = pageSchema(HistoryEntrySchema);
export type HistoryPage = z.infer<typeof HistoryPageSchema>;

export const ProjectNameSchema = text().trim().min(1).max(100);

export const CreateProjectSchema = z.strictObject({ name: ProjectNameSchema });

export const CreatedProjectSchema = z.object({ id: z.uuid(), name: text(), role: z.literal("owner") });
export type CreatedProject = z.infer<typeof CreatedProjectSchema>;

export const ProjectSummarySchema = z
  .object({
    id: z.uuid(),
    name: text(),
    role: ProjectRoleSchema,
    createdAt: timestamp(),
  })
  .meta({ id: "Project" });
export type ProjectSummary = z.infer<typeof ProjectSummarySchema>;

export const ProjectPageSchema = pageSchema(ProjectSummarySchema);
export type ProjectPage = z.infer<typeof ProjectPageSchema>;

export const ProjectParamsSchema = z.strictObject({ projectId: z.uuid() });
export const MemberParamsSchema = z.strictObject({ projectId: z.uuid(), userId: z.uuid() });

/** `GET /v1/projects/{projectId}`: the project as the caller sees it. */
export const ProjectSchema = ProjectSummarySchema;

/** One member as the project's other members see them: no email, only what they chose to show. */
export const MemberSchema = z
  .object({
    userId: z.uuid(),
    displayName: text().nullable(),
    role: ProjectRoleSchema,
    joinedAt: timestamp(),
  })
  .meta({ id: "Member" });
export type Member = z.infer<typeof MemberSchema>;

export const MemberPageSchema = pageSchema(MemberSchema);
export type MemberPage = z.infer<typeof MemberPageSchema>;

export const MembersListRequestSchema = PageQuerySchema.extend(ProjectParamsSchema.shape);

/** Body of `PATCH /v1/projects/{projectId}/members/{userId}`; only an owner gives or takes `owner`. */
export const ChangeMemberRoleBodySchema = z.strictObject({ role: ProjectRoleSchema });
export const ChangeMemberRoleRequestSchema = ChangeMemberRoleBodySchema.extend(MemberParamsSchema.shape);

/** What accepting an invitation made of the caller. */
export const MembershipSchema = z
  .object({
    projectId: z.uuid(),
    userId: z.uuid(),
    role: ProjectRoleSchema,
    addedAt: timestamp(),
  })
  .meta({ id: "Membership" });
export type Membership = z.infer<typeof MembershipSchema>;

export const INVITATION_STATUSES = ["pending", "accepted", "declined", "revoked", "expired"] as const;
export const InvitationStatusSchema = z.enum(INVITATION_STATUSES).meta({ id: "InvitationStatus" });
export type InvitationStatus = z.infer<typeof InvitationStatusSchema>;

/** Body of `POST /v1/projects/{projectId}/invitations`. */
export const CreateInvitationBodySchema = z.strictObject({
  email: EmailSchema,
  role: AssignableProjectRoleSchema,
});
export const CreateInvitationRequestSchema = CreateInvitationBodySchema.extend(ProjectParamsSchema.shape);
export type CreateInvitationRequest = z.infer<typeof CreateInvitationRequestSchema>;

/**
 * An invitation, the same whether or not an account has the email. `email` is null once it is no
 * longer pending: the address is forgotten when the invitation ends.
 */
export const InvitationSchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid(),
    projectName: text(),
    email: text().nullable(),
    role: AssignableProjectRoleSchema,
    status: InvitationStatusSchema,
    /** The member who sent it. */
    invitedBy: z.uuid(),
    expiresAt: timestamp(),
    createdAt: timestamp(),
  })
  .meta({ id: "Invitation" });
export type Invitation = z.infer<typeof InvitationSchema>;

export const InvitationPageSchema = pageSchema(InvitationSchema);
export type InvitationPage = z.infer<typeof InvitationPageSchema>;

export const InvitationParamsSchema = z.strictObject({ invitationId: z.uuid() });
export const ProjectInvitationParamsSchema = ProjectParamsSchema.extend(InvitationParamsSchema.shape);
export const ProjectInvitationsListRequestSchema = PageQuerySchema.extend(ProjectParamsSchema.shape);

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
