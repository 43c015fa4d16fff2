import { readModelPart, replayableReadModel } from "@tessera/eventstore";
import { sql } from "kysely";
import type { CollectionEvent } from "../domain/collection.ts";
import type { MemoryEvent } from "../domain/memory.ts";
import { memoryStores } from "../infra/event-store.ts";
import { projectCollectionEvents, projectMemoryEvents } from "../infra/projection.ts";

/**
 * The read model as a projection that `rebuildProjection` can replay from the events (the service
 * itself projects inline). Sealed fields are opened first; an erased owner's read `[erased]`, and
 * their memories end forgotten. Access counts are read-model only and start again from zero.
 */
export const memoryReadModel = replayableReadModel(memoryStores, {
  name: "memory-read-model",
  parts: [
    readModelPart<MemoryEvent>(
      [
        "memory.memory.recorded",
        "memory.memory.revised",
        "memory.memory.superseded",
        "memory.memory.reinforced",
        "memory.memory.forgotten",
        "memory.memory.embedded",
      ],
      projectMemoryEvents,
    ),
    readModelPart<CollectionEvent>(
      ["memory.collection.created", "memory.collection.renamed", "memory.collection.deleted"],
      projectCollectionEvents,
    ),
  ],
  reset: async (trx) => {
    await sql`truncate memory_versions, memories, collections`.execute(trx);
  },
});
