import { eventStores, personalDataPolicy } from "@tessera/eventstore";

export const MEMORY_SCHEMA = "memory";

/**
 * The `memory` event store. What a person put into a memory is sealed under their key
 * (crypto-shredding, decision 0019): the content, metadata and source refs, and the vector, which
 * can give the content away. Platform memories (no owner, e.g. ingested chunks) are not personal
 * and stay in the clear.
 */
export const memoryStores = eventStores({
  schema: MEMORY_SCHEMA,
  personalData: personalDataPolicy({
    subjectField: "ownerId",
    fields: {
      "memory.memory.recorded": ["content", "metadata", "sourceRefs"],
      "memory.memory.revised": ["content", "metadata"],
      "memory.memory.embedded": ["embedding"],
    },
  }),
});
