import { DOCUMENT_EVENTS, SOURCE_EVENTS } from "@tessera/contracts";
import { type Logger, type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { type DocumentHooks, registerDocuments } from "./app/register-documents.ts";
import { registerSources, type SourcesHooks } from "./app/register-sources.ts";
import { registerSync, type SyncHooks } from "./app/register-sync.ts";
import type { IngestionConfig } from "./config.ts";
import { ingestionStores } from "./infra/event-store.ts";
import * as createSourcesAndItems from "./infra/migrations/2026_12_01_1001_create_sources_and_items.ts";
import * as createDocuments from "./infra/migrations/2026_12_01_2001_create_documents.ts";
import * as createChatwootSync from "./infra/migrations/2026_12_01_3001_create_chatwoot_sync.ts";
import * as createIdentityDeliveries from "./infra/migrations/2026_12_01_4001_create_identity_deliveries.ts";

export interface IngestionServiceHooks {
  /** The sources area's clock and the handles it exposes to tests. */
  sources?: SourcesHooks;
  documents?: DocumentHooks;
  /** The Chatwoot connector's retry and batch settings (tests). */
  sync?: SyncHooks;
  /** Where the service logs (tests read what it wrote). */
  logger?: Logger;
}

/**
 * The `ingestion` service: sources, raw items, the webhook ingress and the Chatwoot connector;
 * documents and their chunks.
 */
export function ingestionService(
  config: IngestionConfig,
  hooks: IngestionServiceHooks = {},
): ServiceDefinition {
  return {
    service: "ingestion",
    stores: ingestionStores,
    migrations: {
      "2026_12_01_1001_create_sources_and_items": createSourcesAndItems,
      "2026_12_01_2001_create_documents": createDocuments,
      "2026_12_01_3001_create_chatwoot_sync": createChatwootSync,
      "2026_12_01_4001_create_identity_deliveries": createIdentityDeliveries,
    },
    publishes: [...SOURCE_EVENTS, ...DOCUMENT_EVENTS],
    register: async (runtime) => {
      const sources = registerSources(runtime, config, hooks.sources);
      await registerSync(runtime, config, sources, hooks.sync);
      hooks.documents ??= {};
      await registerDocuments(runtime, config, hooks.documents);
    },
  };
}

export function startIngestionService(
  config: IngestionConfig,
  hooks: IngestionServiceHooks = {},
): Promise<RunningService> {
  return startService(ingestionService(config, hooks), config, hooks.logger ? { logger: hooks.logger } : {});
}
