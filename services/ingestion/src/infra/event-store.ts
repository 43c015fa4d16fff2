import { eventStores } from "@tessera/eventstore";

export const INGESTION_SCHEMA = "ingestion";

/** The `ingestion` event store. Documents hold no personal data of their own: no policy. */
export const ingestionStores = eventStores({ schema: INGESTION_SCHEMA });
