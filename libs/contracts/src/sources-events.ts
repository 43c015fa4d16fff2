import { z } from "zod";
import { defineEvent } from "./messaging.ts";
import { text, timestamp } from "./scalars.ts";
import { ChatwootConfigSchema, ItemKindSchema, SourceTypeSchema } from "./sources-schemas.ts";

// The ingestion service's source and item events. No secret travels (sealed secrets stay in the
// service's store), and no body: an item's bytes can be up to a MiB of unknown content, which
// consumers read with `svc.ingestion.source-items.get` when they need it.

const SourceConfigSchema = z.union([ChatwootConfigSchema, z.object({})]);

export const sourceCreated = defineEvent({
  type: "ingestion.source.created",
  version: 1,
  data: z.object({
    sourceId: z.uuid(),
    projectId: z.uuid(),
    type: SourceTypeSchema,
    name: text(),
    paused: z.boolean(),
    config: SourceConfigSchema,
    createdAt: timestamp(),
  }),
});

/** A rename, pause or resume, or a changed configuration: the source as it is now. */
export const sourceUpdated = defineEvent({
  type: "ingestion.source.updated",
  version: 1,
  data: z.object({
    sourceId: z.uuid(),
    projectId: z.uuid(),
    type: SourceTypeSchema,
    name: text(),
    paused: z.boolean(),
    config: SourceConfigSchema,
    updatedAt: timestamp(),
  }),
});

/**
 * The source and its items are gone from ingestion. Consumers remove what they derived from it:
 * documents with this `sourceId` (and through them their chunks' memories), schedules that sync it.
 */
export const sourceDeleted = defineEvent({
  type: "ingestion.source.deleted",
  version: 1,
  data: z.object({
    sourceId: z.uuid(),
    projectId: z.uuid(),
    type: SourceTypeSchema,
    deletedAt: timestamp(),
  }),
});

/**
 * A source received an item, or a new revision of one (a changed content under the same stable id).
 * A repeat of the same content has no event.
 */
export const itemReceived = defineEvent({
  type: "ingestion.item.received",
  version: 1,
  data: z.object({
    itemId: z.uuid(),
    projectId: z.uuid(),
    sourceId: z.uuid(),
    sourceType: SourceTypeSchema,
    externalId: text(),
    kind: ItemKindSchema,
    revision: z.number().int().positive(),
    /** sha256 (hex) of the revision's content. */
    contentHash: text(),
    contentType: text(),
    bytes: z.number().int().nonnegative(),
    receivedAt: timestamp(),
  }),
});

/**
 * A Chatwoot contact wrote in a conversation: an incoming, public message (`message_type` 0) stored
 * for the first time, by polling or by Chatwoot's webhook, whichever saw it first. Once per message:
 * an edit is a new revision of the item, not a new reply. Outbound reads it to stop sequences when
 * the contact answers. `contactEmail` is personal data: sealed in ingestion's store, it travels in
 * the clear only here (null when Chatwoot did not give one, or did not name the contact).
 */
export const messageReceived = defineEvent({
  type: "ingestion.message.received",
  version: 1,
  data: z.object({
    itemId: z.uuid(),
    projectId: z.uuid(),
    sourceId: z.uuid(),
    /** The item's stable id, `cw:<account>:msg:<message id>`. */
    externalId: text(),
    accountId: z.number().int(),
    /** The conversation's display id in its account (what Chatwoot's URLs show). */
    conversationId: z.number().int().nullable(),
    messageId: z.number().int(),
    inboxId: z.number().int().nullable(),
    /** The Chatwoot contact who wrote it. */
    contactId: z.number().int().nullable(),
    contactEmail: text().nullable(),
    /** When Chatwoot says it was written (null when it did not say). */
    sentAt: timestamp().nullable(),
    receivedAt: timestamp(),
  }),
});

/** A sync run of a connector source finished; `syncedAt` is the source's `lastSyncAt` from now on. */
export const sourceSynced = defineEvent({
  type: "ingestion.source.synced",
  version: 1,
  data: z.object({
    sourceId: z.uuid(),
    projectId: z.uuid(),
    /** The job-scheduler run that synced it. */
    runId: z.uuid(),
    /** Conversations and messages that were new or changed in this run (repeats are not counted). */
    conversations: z.number().int().nonnegative(),
    messages: z.number().int().nonnegative(),
    syncedAt: timestamp(),
  }),
});

/**
 * A user was created, updated or deleted at an external identity provider (an identity-hook issuer,
 * `IDENTITY_HOOK_ISSUERS`), verified and deduplicated. Auth reads it to create, link, update or
 * erase the account of that identity, keyed by `(issuer, subject)`. `email` and `name` are personal
 * data: sealed in ingestion's store under the identity's own key, they travel in the clear only
 * here, and the bus's copies are deleted when the provider deletes the user.
 */
export const identityChanged = defineEvent({
  type: "ingestion.identity.changed",
  version: 1,
  data: z.object({
    /** The configured issuer's name. */
    issuer: text(),
    /** The provider's user id (Clerk's `user_…`). */
    subject: text(),
    change: z.enum(["created", "updated", "deleted"]),
    /** The primary email, when the provider named one. */
    email: text().optional(),
    /** Whether the provider verified that email. */
    emailVerified: z.boolean(),
    /** First and last name (or the username), when given. */
    name: text().optional(),
    /** The Svix delivery id. */
    deliveryId: text(),
    receivedAt: timestamp(),
  }),
});

export const SOURCE_EVENTS = [
  sourceCreated,
  sourceUpdated,
  sourceDeleted,
  sourceSynced,
  itemReceived,
  messageReceived,
  identityChanged,
] as const;
