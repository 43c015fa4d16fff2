import { z } from "zod";
import { defineJobType } from "./jobs-schemas.ts";
import { ProjectParams } from "./memory-schemas.ts";
import { defineOperation } from "./messaging.ts";
import { PageQuerySchema } from "./pagination.ts";
import {
  CreatedSourceSchema,
  CreateSourceRequest,
  HookRequestSchema,
  IdentityHookRequestSchema,
  ItemPageSchema,
  ItemRevisionSchema,
  QueuedSyncSchema,
  RotatedSecretSchema,
  SourcePageSchema,
  SourceParams,
  SourceSchema,
  UpdateSourceRequest,
} from "./sources-schemas.ts";

/** The ingestion service's sources: their operations and job types. */

export const sourcesCreate = defineOperation({
  service: "ingestion",
  name: "sources.create",
  request: CreateSourceRequest,
  response: CreatedSourceSchema,
});

export const sourcesList = defineOperation({
  service: "ingestion",
  name: "sources.list",
  request: PageQuerySchema.extend(ProjectParams.shape),
  response: SourcePageSchema,
});

export const sourcesGet = defineOperation({
  service: "ingestion",
  name: "sources.get",
  request: SourceParams,
  response: SourceSchema,
});

export const sourcesUpdate = defineOperation({
  service: "ingestion",
  name: "sources.update",
  request: UpdateSourceRequest,
  response: SourceSchema,
});

/** The source and its items go; documents and memories derived from it follow `evt.ingestion.source.deleted`. */
export const sourcesDelete = defineOperation({
  service: "ingestion",
  name: "sources.delete",
  request: SourceParams,
  response: z.null(),
});

/** A webhook source's new signing secret; the previous one keeps verifying for the overlap. */
export const sourceSecretsRotate = defineOperation({
  service: "ingestion",
  name: "source-secrets.rotate",
  request: SourceParams,
  response: RotatedSecretSchema,
});

/** Queues an `ingestion.sync` run for a Chatwoot source through the job-scheduler. */
export const sourcesSync = defineOperation({
  service: "ingestion",
  name: "sources.sync",
  request: SourceParams,
  response: QueuedSyncSchema,
});

export const sourceItemsList = defineOperation({
  service: "ingestion",
  name: "source-items.list",
  request: PageQuerySchema.extend(SourceParams.shape),
  response: ItemPageSchema,
});

/**
 * Platform-internal: one revision of an item with its body (the latest when `revision` is left out),
 * for consumers of `evt.ingestion.item.received`. Only the platform's own services may call it.
 */
export const sourceItemsGet = defineOperation({
  service: "ingestion",
  name: "source-items.get",
  request: SourceParams.extend({ itemId: z.uuid(), revision: z.number().int().positive().optional() }),
  response: ItemRevisionSchema,
});

/**
 * `POST /v1/hooks/{sourceId}`: a webhook, verified over the exact bytes in `raw`. Any failure to
 * verify (signature, timestamp, paused or unknown source) is one 401; a repeat has no second effect.
 */
export const hooksReceive = defineOperation({
  service: "ingestion",
  name: "hooks.receive",
  request: HookRequestSchema,
  response: z.null(),
});

/**
 * `POST /v1/hooks/identity/{issuerName}`: a user created, updated or deleted at an external identity
 * provider (Clerk), Svix-signed with that issuer's secret. An unknown issuer and a bad signature are
 * the same 401; a repeated delivery id has no second effect.
 */
export const identityHooksReceive = defineOperation({
  service: "ingestion",
  name: "identity-hooks.receive",
  request: IdentityHookRequestSchema,
  response: z.null(),
});

// ---------------------------------------------------------------- job types

/** The ingestion service pulls a connector source. */
export const ingestionSyncJob = defineJobType({
  name: "ingestion.sync",
  service: "ingestion",
  description: "Pulls new items from one connector source.",
  payload: z.strictObject({ projectId: z.uuid(), sourceId: z.uuid() }),
  timeoutMs: 600_000,
  retry: { maxAttempts: 5 },
});
