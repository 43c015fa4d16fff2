import { z } from "zod";
import { pageSchema } from "./pagination.ts";
import { RawBodySchema } from "./routes.ts";
import { text, timestamp, url } from "./scalars.ts";

/** Sources, their raw items and the webhook ingress: requests and responses. */

export const SOURCE_TYPES = ["webhook", "chatwoot", "upload"] as const;
export const SourceTypeSchema = z.enum(SOURCE_TYPES).meta({ id: "SourceType" });
export type SourceType = z.infer<typeof SourceTypeSchema>;

/** Largest webhook body the ingress takes, in bytes (the route's body limit). @default 1_048_576 */
export const HOOK_BODY_MAX_BYTES = 1_048_576;
/** Inboxes one Chatwoot source may name. */
export const CHATWOOT_INBOXES_MAX = 100;

const SourceNameSchema = text().trim().min(1).max(200);

/**
 * A Chatwoot installation's base URL: http(s), no credentials, query or fragment (the API paths
 * are appended to it). Which addresses it may reach is the egress guard's decision at connect time.
 */
export const ChatwootBaseUrlSchema = url()
  .max(2_048)
  .refine((value) => {
    // Runs even when `url()` already refused the value, so it must not throw on one.
    const parsed = URL.parse(value);
    return (
      parsed !== null &&
      (parsed.protocol === "https:" || parsed.protocol === "http:") &&
      parsed.username === "" &&
      parsed.password === "" &&
      parsed.search === "" &&
      parsed.hash === ""
    );
  }, "must be an http(s) URL without credentials, query or fragment");

const ChatwootAccountIdSchema = z.number().int().positive().max(2_147_483_647);
const ChatwootInboxIdsSchema = z
  .array(z.number().int().positive().max(2_147_483_647))
  .min(1)
  .max(CHATWOOT_INBOXES_MAX)
  .transform((ids) => [...new Set(ids)].sort((a, b) => a - b));
/** Five fields (minute precision) or six (leading seconds), in UTC; the scheduler parses it in full. */
const CronSchema = text()
  .trim()
  .max(200)
  .regex(/^\S+(\s+\S+){4,5}$/, "must be a cron expression of 5 or 6 fields");
/** A Chatwoot API access token (a profile's or an agent bot's). Write-only. */
const ChatwootTokenSchema = text().trim().min(1).max(512);
/** The secret Chatwoot shows for a webhook it sends here. Write-only. */
const ChatwootWebhookSecretSchema = text().trim().min(1).max(512);

export const ChatwootConfigInputSchema = z.strictObject({
  baseUrl: ChatwootBaseUrlSchema,
  accountId: ChatwootAccountIdSchema,
  apiAccessToken: ChatwootTokenSchema,
  /** Only these inboxes; absent: every inbox of the account. */
  inboxIds: ChatwootInboxIdsSchema.optional(),
  /** When the source syncs on its own (cron, UTC); absent: only on `POST …/sync` and pushes. */
  schedule: CronSchema.optional(),
  /** The secret of a Chatwoot webhook pointed at this source's hook URL; absent: pushes are refused. */
  webhookSecret: ChatwootWebhookSecretSchema.optional(),
});

const createVariants = [
  z.strictObject({ type: z.literal("webhook"), name: SourceNameSchema }),
  z.strictObject({ type: z.literal("chatwoot"), name: SourceNameSchema, config: ChatwootConfigInputSchema }),
  z.strictObject({ type: z.literal("upload"), name: SourceNameSchema }),
] as const;

export const CreateSourceBody = z.discriminatedUnion("type", createVariants);
export type CreateSourceBody = z.infer<typeof CreateSourceBody>;

/** The create body with the project it is for. */
export const CreateSourceRequest = z.discriminatedUnion("type", [
  createVariants[0].extend({ projectId: z.uuid() }),
  createVariants[1].extend({ projectId: z.uuid() }),
  createVariants[2].extend({ projectId: z.uuid() }),
]);

/**
 * A change of a source's configuration, merged over what it has: a field left out stays, `null`
 * clears an optional one. Only a Chatwoot source has configuration.
 */
export const SourceConfigPatchSchema = z.strictObject({
  baseUrl: ChatwootBaseUrlSchema.optional(),
  accountId: ChatwootAccountIdSchema.optional(),
  apiAccessToken: ChatwootTokenSchema.optional(),
  inboxIds: ChatwootInboxIdsSchema.nullable().optional(),
  schedule: CronSchema.nullable().optional(),
  webhookSecret: ChatwootWebhookSecretSchema.nullable().optional(),
});
export type SourceConfigPatch = z.infer<typeof SourceConfigPatchSchema>;

const updateFields = {
  name: SourceNameSchema.optional(),
  paused: z.boolean().optional(),
  config: SourceConfigPatchSchema.optional(),
};
const changesSomething = [
  (body: { name?: unknown; paused?: unknown; config?: unknown }) =>
    body.name !== undefined || body.paused !== undefined || body.config !== undefined,
  "must change at least one of name, paused, config",
] as const;

export const UpdateSourceBody = z.strictObject(updateFields).refine(...changesSomething);

/** The change with the source it is for. */
export const UpdateSourceRequest = z
  .strictObject({ ...updateFields, projectId: z.uuid(), sourceId: z.uuid() })
  .refine(...changesSomething);

/** A Chatwoot source's configuration as it is shown: the token and webhook secret never are. */
export const ChatwootConfigSchema = z
  .object({
    baseUrl: url(),
    accountId: z.number().int(),
    inboxIds: z.array(z.number().int()).nullable(),
    schedule: text().nullable(),
    /** Whether Chatwoot's own webhooks can be verified (a webhook secret is set). */
    webhookSecretSet: z.boolean(),
  })
  .meta({ id: "ChatwootConfig" });
export type ChatwootConfig = z.infer<typeof ChatwootConfigSchema>;

const sourceFields = {
  id: z.uuid(),
  projectId: z.uuid(),
  name: text(),
  paused: z.boolean(),
  lastSyncAt: timestamp().nullable(),
  createdAt: timestamp(),
  updatedAt: timestamp(),
};

const WebhookSourceSchema = z.object({
  ...sourceFields,
  type: z.literal("webhook"),
  config: z.object({}),
  webhookUrl: url(),
});
const ChatwootSourceSchema = z.object({
  ...sourceFields,
  type: z.literal("chatwoot"),
  config: ChatwootConfigSchema,
  webhookUrl: url(),
});
const UploadSourceSchema = z.object({
  ...sourceFields,
  type: z.literal("upload"),
  config: z.object({}),
  webhookUrl: z.null(),
});

/** A source as members see it: no secret, ever. `webhookUrl` is where its webhooks are sent. */
export const SourceSchema = z
  .discriminatedUnion("type", [WebhookSourceSchema, ChatwootSourceSchema, UploadSourceSchema])
  .meta({ id: "Source" });
export type Source = z.infer<typeof SourceSchema>;

/** The answer to a create: the source, and for a `webhook` source its URL and signing secret, shown this once. */
export const CreatedSourceSchema = z.discriminatedUnion("type", [
  WebhookSourceSchema.extend({ webhook: z.object({ url: url(), secret: text() }) }),
  ChatwootSourceSchema,
  UploadSourceSchema,
]);
export type CreatedSource = z.infer<typeof CreatedSourceSchema>;

export const SourcePageSchema = pageSchema(SourceSchema);

export const RotatedSecretSchema = z.object({
  /** The new signing secret, shown this once; the previous one verifies until `previousValidUntil`. */
  secret: text(),
  previousValidUntil: timestamp(),
});

export const QueuedSyncSchema = z.object({ runId: z.uuid() });

export const ITEM_KINDS = ["webhook", "message", "conversation"] as const;
export const ItemKindSchema = z.enum(ITEM_KINDS);
export type ItemKind = z.infer<typeof ItemKindSchema>;

/**
 * A raw item: what a source received under one stable id (`externalId`: a webhook's `webhook-id`,
 * `cw:<account>:msg:<id>` for a Chatwoot message). A changed content is a new revision.
 */
export const ItemSchema = z
  .object({
    id: z.uuid(),
    sourceId: z.uuid(),
    externalId: text(),
    kind: ItemKindSchema,
    /** When the latest revision arrived. */
    receivedAt: timestamp(),
    /** sha256 (hex) of the latest revision's content. */
    contentHash: text(),
    revision: z.number().int().positive(),
    contentType: text(),
    /** Size of the latest revision's body, in bytes. */
    bytes: z.number().int().nonnegative(),
    firstReceivedAt: timestamp(),
  })
  .meta({ id: "SourceItem" });
export type Item = z.infer<typeof ItemSchema>;

export const ItemPageSchema = pageSchema(ItemSchema);

/** One revision of an item with its body, for consumers of `evt.ingestion.item.received`. */
export const ItemRevisionSchema = z.object({
  itemId: z.uuid(),
  sourceId: z.uuid(),
  projectId: z.uuid(),
  externalId: text(),
  kind: ItemKindSchema,
  revision: z.number().int().positive(),
  contentHash: text(),
  contentType: text(),
  /** The body as received, base64. */
  base64: z.base64(),
  bytes: z.number().int().nonnegative(),
  /** The request headers that identify and sign it, lower-case names. */
  headers: z.record(text(), text()),
  receivedAt: timestamp(),
});
export type ItemRevision = z.infer<typeof ItemRevisionSchema>;

// ---------------------------------------------------------------- parameters

export const SourceParams = z.strictObject({ projectId: z.uuid(), sourceId: z.uuid() });
export const HookParams = z.strictObject({ sourceId: z.uuid() });

/** The headers the webhook ingress reads: Standard Webhooks, their Svix spelling, Chatwoot's. */
export const HOOK_HEADERS = [
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "svix-id",
  "svix-timestamp",
  "svix-signature",
  "x-chatwoot-signature",
  "x-chatwoot-timestamp",
  "content-type",
] as const;

export const HookRequestSchema = z.strictObject({ sourceId: z.uuid(), raw: RawBodySchema });

// ---------------------------------------------------------------- identity hooks

/** An identity-hook issuer's name, as the operator configures it in `IDENTITY_HOOK_ISSUERS`. */
export const IdentityIssuerNameSchema = text().regex(/^[a-z0-9-]{1,40}$/);
/** Any string in the path: a malformed name is refused like an unknown one (the same 401). */
export const IdentityHookParams = z.strictObject({ issuerName: text().max(200) });

/** The headers the identity hook reads: Standard Webhooks and their Svix spelling. */
export const IDENTITY_HOOK_HEADERS = [
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "svix-id",
  "svix-timestamp",
  "svix-signature",
  "content-type",
] as const;

export const IdentityHookRequestSchema = z.strictObject({ issuerName: text().max(200), raw: RawBodySchema });
