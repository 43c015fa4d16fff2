import type { MemoryTier, SourceRef } from "@tessera/contracts";

/** Private to the store: the vector travels only inside the memory service (the contract drops it). */
export interface EmbeddingData {
  memoryId: string;
  projectId: string;
  /** Whose key seals the vector (it can give the content away); null for platform memories. */
  ownerId: string | null;
  version: number;
  model: string;
  dimensions: number;
  embedding: number[];
}

export type MemoryEvent =
  | {
      type: "memory.memory.recorded";
      data: {
        memoryId: string;
        projectId: string;
        collectionId: string | null;
        ownerId: string | null;
        tier: MemoryTier;
        content: string;
        metadata: Record<string, unknown>;
        importance: number;
        sourceRefs: SourceRef[];
        validFrom: string;
        validTo: string | null;
        expiresAt: string | null;
        recordedAt: string;
      };
    }
  | {
      type: "memory.memory.revised";
      data: {
        memoryId: string;
        projectId: string;
        /** Unchanged by a revision; carried so the new content is sealed under the owner's key. */
        ownerId: string | null;
        version: number;
        content: string;
        tier: MemoryTier;
        metadata: Record<string, unknown>;
        importance: number;
        validFrom: string;
        validTo: string | null;
        expiresAt: string | null;
        revisedAt: string;
      };
    }
  | {
      type: "memory.memory.superseded";
      data: {
        memoryId: string;
        projectId: string;
        supersededBy: string;
        reason: "replaced" | "duplicate";
        validTo: string;
      };
    }
  | {
      type: "memory.memory.reinforced";
      data: {
        memoryId: string;
        projectId: string;
        importance: number;
        reinforcements: number;
        lastSeenAt: string;
        expiresAt: string | null;
      };
    }
  | {
      type: "memory.memory.forgotten";
      data: {
        memoryId: string;
        projectId: string;
        reason: "deleted" | "expired" | "erased" | "collection_deleted";
        forgottenAt: string;
      };
    }
  | { type: "memory.memory.embedded"; data: EmbeddingData };

export interface ActiveMemory {
  memoryId: string;
  projectId: string;
  ownerId: string | null;
  collectionId: string | null;
  tier: MemoryTier;
  content: string;
  metadata: Record<string, unknown>;
  importance: number;
  version: number;
  validFrom: string;
  validTo: string | null;
  expiresAt: string | null;
  supersededBy: string | null;
  reinforcements: number;
  /** The content version the current vector was computed from, with its model and dimension. */
  embedded: { version: number; model: string; dimensions: number } | null;
}

export type MemoryState =
  | { status: "absent" }
  | ({ status: "active" } & ActiveMemory)
  | { status: "forgotten"; memoryId: string; projectId: string };

export function initialMemoryState(): MemoryState {
  return { status: "absent" };
}

export function evolveMemory(state: MemoryState, event: MemoryEvent): MemoryState {
  switch (event.type) {
    case "memory.memory.recorded": {
      const { recordedAt: _recordedAt, sourceRefs: _sourceRefs, ...facts } = event.data;
      return {
        status: "active",
        ...facts,
        version: 1,
        supersededBy: null,
        reinforcements: 0,
        embedded: null,
      };
    }
    case "memory.memory.revised": {
      if (state.status !== "active") return state;
      const { revisedAt: _revisedAt, ...next } = event.data;
      const contentChanged = next.content !== state.content;
      return { ...state, ...next, embedded: contentChanged ? null : state.embedded };
    }
    case "memory.memory.superseded":
      if (state.status !== "active") return state;
      return { ...state, supersededBy: event.data.supersededBy, validTo: event.data.validTo };
    case "memory.memory.reinforced":
      if (state.status !== "active") return state;
      return {
        ...state,
        importance: event.data.importance,
        reinforcements: event.data.reinforcements,
        expiresAt: event.data.expiresAt,
      };
    case "memory.memory.forgotten":
      return { status: "forgotten", memoryId: event.data.memoryId, projectId: event.data.projectId };
    case "memory.memory.embedded":
      if (state.status !== "active") return state;
      return {
        ...state,
        embedded: {
          version: event.data.version,
          model: event.data.model,
          dimensions: event.data.dimensions,
        },
      };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function memoryStreamId(memoryId: string): string {
  return `memory-${memoryId}`;
}
