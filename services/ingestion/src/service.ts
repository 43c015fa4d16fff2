import { DOCUMENT_EVENTS } from "@tessera/contracts";
import { type RunningService, type ServiceDefinition, startService } from "@tessera/service-kit";
import { type DocumentHooks, registerDocuments } from "./app/register-documents.ts";
import type { IngestionConfig } from "./config.ts";
import type { DocumentsDb } from "./infra/documents.tables.ts";
import { ingestionStores } from "./infra/event-store.ts";
import * as createDocuments from "./infra/migrations/2026_12_01_2001_create_documents.ts";

export interface IngestionServiceHooks {
  documents?: DocumentHooks;
}

/** The `ingestion` service: sources, raw items, documents and chunks. */
export function ingestionService(
  config: IngestionConfig,
  hooks: IngestionServiceHooks = {},
): ServiceDefinition<DocumentsDb> {
  return {
    service: "ingestion",
    stores: ingestionStores,
    migrations: {
      "2026_12_01_2001_create_documents": createDocuments,
    },
    publishes: [...DOCUMENT_EVENTS],
    register: async (runtime) => {
      hooks.documents ??= {};
      await registerDocuments(runtime, config, hooks.documents);
    },
  };
}

export function startIngestionService(
  config: IngestionConfig,
  hooks: IngestionServiceHooks = {},
): Promise<RunningService<DocumentsDb>> {
  return startService(ingestionService(config, hooks), config);
}
