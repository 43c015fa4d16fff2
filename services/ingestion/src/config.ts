import { EgressAllowHostsSchema } from "@tessera/egress";
import { AesKeyRingConfigSchema, baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import { z } from "zod";

/** Sources, hooks and items. */
const sourcesSettings = {
  /**
   * Key ring sealing source secrets at rest (webhook signing secrets, Chatwoot tokens), newest
   * first; keep a retired key listed while values sealed with it remain. Unset: a random key per
   * process, with a warning (development only: secrets do not survive a restart).
   */
  INGESTION_SECRET_KEYS: AesKeyRingConfigSchema.optional(),
  /** Public base URL of the gateway; a source's webhook URL is `<base>/v1/hooks/<sourceId>`. */
  INGESTION_PUBLIC_URL: z.url().default("http://127.0.0.1:8080"),
  /** How long a rotated-out webhook secret keeps verifying, in seconds. @default 86_400 (24 h) */
  INGESTION_SECRET_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(2_592_000).default(86_400),
  /** How long a webhook's `webhook-id` is remembered so a repeat has no second effect, in days. @default 3 */
  INGESTION_HOOK_DEDUPE_DAYS: z.coerce.number().int().min(3).max(90).default(3),
};

/** The Chatwoot connector. */
const connectorSettings = {
  /** Comma-separated `host[:port]` or CIDR the egress guard lets through (a self-hosted Chatwoot). @default none */
  EGRESS_ALLOW_HOSTS: EgressAllowHostsSchema,
  /** One request to Chatwoot, from the call to its last byte, in ms. @default 30_000 */
  INGESTION_CHATWOOT_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** How far below its cursor a sync reads again, for rows Chatwoot shows late, in seconds. @default 300 */
  INGESTION_CHATWOOT_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
};

export const ingestionConfigSchema = baseServiceConfig.extend({ ...sourcesSettings, ...connectorSettings });

export type IngestionConfig = DeepReadonly<z.output<typeof ingestionConfigSchema>>;
