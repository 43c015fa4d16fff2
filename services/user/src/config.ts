import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";

export const userConfigSchema = baseServiceConfig.extend({
  /** The account registering with this email (case ignored) becomes platform admin. Unset: nobody. */
  BOOTSTRAP_ADMIN_EMAIL: z.string().trim().max(254).pipe(z.email()).optional(),
});

export type UserConfig = DeepReadonly<z.output<typeof userConfigSchema>>;
