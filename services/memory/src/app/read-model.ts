import type { AnyTransaction, AsyncProjection, StoredEvent } from "@tessera/eventstore";
import { sql } from "kysely";
import type { CollectionEvent } from "../domain/collection.ts";
import type { MemoryEvent } from "../domain/memory.ts";
import { memoryStores } from "../infra/event-store.ts";
import { projectCollectionEvents, projectMemoryEvents } from "../infra/projection.ts";

const MEMORY_EVENT_TYPES: ReadonlySet<string> = new Set<MemoryEvent["type"]>([
  "memory.memory.recorded",
  "memory.memory.revised",
  "memory.memory.superseded",
  "memory.memory.reinforced",
  "memory.memory.forgotten",
  "memory.memory.embedded",
]);
const COLLECTION_EVENT_TYPES: ReadonlySet<string> = new Set<CollectionEvent["type"]>([
  "memory.collection.created",
  "memory.collection.renamed",
  "memory.collection.deleted",
]);

function isMemoryEvent(event: StoredEvent): event is StoredEvent<MemoryEvent> {
  return MEMORY_EVENT_TYPES.has(event.type);
}

function isCollectionEvent(event: StoredEvent): event is StoredEvent<CollectionEvent> {
  return COLLECTION_EVENT_TYPES.has(event.type);
}

/**
 * The read model as a projection that `rebuildProjection` can replay from the events (the service
 * itself projects inline). Sealed fields are opened first; an erased owner's read `[erased]`, and
 * their memories end forgotten. Access counts are read-model only and start again from zero.
 */
export const memoryReadModel: AsyncProjection = {
  name: "memory-read-model",
  async handle(trx: AnyTransaction, event: StoredEvent) {
    const [open] = await memoryStores.vault(trx).reveal([event]);
    if (open === undefined) return;
    if (isMemoryEvent(open)) await projectMemoryEvents(trx, [open]);
    else if (isCollectionEvent(open)) await projectCollectionEvents(trx, [open]);
  },
  async reset(trx: AnyTransaction) {
    await sql`truncate memory_versions, memories, collections`.execute(trx);
  },
};
