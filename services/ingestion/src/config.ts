import {
  DOCUMENT_BODY_LIMIT,
  DOCUMENT_MAX_BYTES,
  IdentityIssuerNameSchema,
  MEMORY_CONTENT_MAX,
} from "@tessera/contracts";
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

/** A Svix signing secret: `whsec_` and the base64 of at least 18 random bytes. */
const WebhookSecretSchema = z.string().regex(/^whsec_[A-Za-z0-9+/]{24,256}={0,2}$/, "must be whsec_<base64>");

/** An identity-hook issuer and one of its secrets; the key is `secret` so log redaction covers it. */
export interface IdentityIssuerSecret {
  readonly name: string;
  readonly secret: string;
}

/**
 * `name=whsec_…[,name=whsec_…]`: the identity providers allowed to post to
 * `/v1/hooks/identity/{name}`. A name listed twice holds an old and a new secret during a rotation;
 * both verify. The values are never printed: a bad entry is named by its position only.
 */
export const IdentityHookIssuersSchema = z
  .string()
  .max(16_384)
  .transform((value, ctx): IdentityIssuerSecret[] => {
    const entries = value.split(",").filter((entry) => entry.trim() !== "");
    const issuers: IdentityIssuerSecret[] = [];
    entries.forEach((entry, index) => {
      const at = entry.indexOf("=");
      const name = at < 0 ? "" : entry.slice(0, at).trim();
      const secret = at < 0 ? "" : entry.slice(at + 1).trim();
      if (
        !IdentityIssuerNameSchema.safeParse(name).success ||
        !WebhookSecretSchema.safeParse(secret).success
      ) {
        ctx.addIssue({
          code: "custom",
          message: `entry ${index + 1} must be <name>=whsec_<base64> with a name of [a-z0-9-]{1,40}`,
        });
        return;
      }
      issuers.push({ name, secret });
    });
    return issuers;
  });

/** Identity hooks (users at an external identity provider). */
const identitySettings = {
  /** Comma-separated `name=whsec_…`; a name may appear twice during a secret rotation. @default none */
  IDENTITY_HOOK_ISSUERS: IdentityHookIssuersSchema.default([]),
};

/** Documents and their chunks. */
const documentsSettings = {
  /**
   * Largest document, in bytes (the uploaded file, or the UTF-8 of a JSON post's `content`); more
   * is 413. The gateway's route accepts at most `DOCUMENT_BODY_LIMIT` (6 MiB) whatever this says.
   * @default 5_242_880 (5 MiB)
   */
  DOCUMENT_MAX_BYTES: z.coerce.number().int().min(1).max(DOCUMENT_BODY_LIMIT).default(DOCUMENT_MAX_BYTES),
  /**
   * Largest chunk, in characters (UTF-16 code units) of the extracted text; at most memory's
   * content limit. Changing it re-chunks documents only when they are posted again. @default 1_500
   */
  DOCUMENT_CHUNK_SIZE: z.coerce.number().int().min(100).max(MEMORY_CONTENT_MAX).default(1_500),
  /** Characters of a chunk repeated at the start of the next one in its section; at most half the size. @default 150 */
  DOCUMENT_CHUNK_OVERLAP: z.coerce.number().int().min(0).max(MEMORY_CONTENT_MAX).default(150),
  /** Time to read and chunk one document, in ms; a document taking longer fails. @default 120_000 */
  DOCUMENT_PARSE_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(120_000),
  /** How often the document worker looks for work, in ms (it is also woken by posts and deletes). @default 1_000 */
  DOCUMENT_WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
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

/** The ingestion service's settings, parsed once from the environment by `main.ts`. */
export const ingestionConfigSchema = baseServiceConfig
  .extend({ ...sourcesSettings, ...identitySettings, ...documentsSettings, ...connectorSettings })
  .refine((config) => config.DOCUMENT_CHUNK_OVERLAP * 2 <= config.DOCUMENT_CHUNK_SIZE, {
    message: "must be at most half of DOCUMENT_CHUNK_SIZE",
    path: ["DOCUMENT_CHUNK_OVERLAP"],
  });

export type IngestionConfig = DeepReadonly<z.output<typeof ingestionConfigSchema>>;
