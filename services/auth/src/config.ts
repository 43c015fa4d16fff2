import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";

export const authConfigSchema = baseServiceConfig.extend({
  /** `iss` of every access token; the gateway checks it. */
  AUTH_ISSUER: z.string().min(1).default("tessera"),
  /** `aud` of every access token; the gateway checks it. */
  AUTH_AUDIENCE: z.string().min(1).default("tessera-api"),
  /** Access-token lifetime in seconds. @default 900 (15 minutes) */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(3600).default(900),
  /** Absolute lifetime of a refresh-token family, in days. @default 30 */
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
});

export type AuthConfig = DeepReadonly<z.output<typeof authConfigSchema>>;
