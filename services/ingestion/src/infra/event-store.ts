import { eventStores } from "@tessera/eventstore";

export const INGESTION_SCHEMA = "ingestion";

/**
 * The `ingestion` event store. Nothing in it is personal data to shred per user: sources and
 * documents are the project's, and items' bodies live beside the events (deleted with their source),
 * never in them.
 */
export const ingestionStores = eventStores({ schema: INGESTION_SCHEMA });
