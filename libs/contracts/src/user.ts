import { z } from "zod";
import { defineEvent, defineOperation } from "./messaging.ts";

export const PLATFORM_ROLES = ["admin"] as const;
export const PlatformRoleSchema = z.enum(PLATFORM_ROLES);

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
