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

export const SOURCE_EVENTS = [sourceCreated, sourceUpdated, sourceDeleted, itemReceived] as const;
