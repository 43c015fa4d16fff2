import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";

export const userConfigSchema = baseServiceConfig.extend({
  /** The account registering with this email (case ignored) becomes platform admin. Unset: nobody. */
  BOOTSTRAP_ADMIN_EMAIL: z.string().trim().max(254).pipe(z.email()).optional(),
  /** How long an invitation stays open, in hours. @default 168 (7 days) */
  INVITATION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(168),
  /** How often invitations past their time are ended and their addresses forgotten, in seconds. @default 60 */
  INVITATION_EXPIRY_CHECK_SECONDS: z.coerce.number().int().min(1).max(3_600).default(60),
});

export type UserConfig = DeepReadonly<z.output<typeof userConfigSchema>>;
