import { baseServiceConfig } from "@tessera/service-kit";
import { z } from "zod";

/** The gateway's settings, parsed once from the environment by `main.ts`. */
export const gatewayConfigSchema = baseServiceConfig.extend({
  /** HTTP port. @default 8080 */
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  /** Interface to listen on. @default "0.0.0.0" */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** Expected `iss` of access tokens. @default "tessera" */
  AUTH_ISSUER: z.string().min(1).default("tessera"),
  /** Expected `aud` of access tokens. @default "tessera-api" */
  AUTH_AUDIENCE: z.string().min(1).default("tessera-api"),
  /** How long the gateway waits for a service's reply, in ms. @default 5000 */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
  /** Largest accepted request body in bytes, unless a route sets its own. @default 1_048_576 (1 MiB) */
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(1_048_576),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/** What the HTTP app needs from the configuration; tests build it by hand. */
export type GatewaySettings = Pick<
  GatewayConfig,
  "AUTH_ISSUER" | "AUTH_AUDIENCE" | "UPSTREAM_TIMEOUT_MS" | "BODY_LIMIT_BYTES"
>;
