import type { MemoryTier, SourceRef } from "@tessera/contracts";
import {
  MemoryExistsError,
  MemoryNotFoundError,
  MemorySupersededError,
  ValidityWindowError,
} from "./errors.ts";
import {
  type ActiveMemory,
  evolveMemory,
  initialMemoryState,
  type MemoryEvent,
  type MemoryState,
} from "./memory.ts";

/** Time and the tier policy come in on the command; the domain reads no clock. */
export interface MemoryCommandMeta {
  now: Date;
  /** Lifetime of a `working` memory, in ms. */
  workingTtlMs: number;
}

/** Share of the remaining headroom to 1 that a reinforcement adds to importance. */
export const REINFORCEMENT_STEP = 0.1;

export interface MemoryDraft {
  memoryId: string;
  projectId: string;
  collectionId: string | null;
  ownerId: string | null;
  tier: MemoryTier;
  content: string;
  metadata: Record<string, unknown>;
  importance: number;
  sourceRefs: SourceRef[];
  validFrom?: string;
  validTo: string | null;
}

export interface VectorOf {
  model: string;
  dimensions: number;
  embedding: number[];
}

export interface MemoryChanges {
  content?: string;
  tier?: MemoryTier;
  metadata?: Record<string, unknown>;
  importance?: number;
  validTo?: string | null;
}

type Target = { projectId: string; memoryId: string };

export type MemoryCommand =
  | { type: "RecordMemory"; data: MemoryDraft & { vector?: VectorOf }; meta: MemoryCommandMeta }
  | { type: "ReviseMemory"; data: Target & { changes: MemoryChanges }; meta: MemoryCommandMeta }
  | {
      type: "SupersedeMemory";
      data: Target & { supersededBy: string; reason: "replaced" | "duplicate" };
      meta: MemoryCommandMeta;
    }
  | { type: "ReinforceMemory"; data: Target & { importance: number }; meta: MemoryCommandMeta }
  | {
      type: "ForgetMemory";
      data: Target & { reason: "deleted" | "expired" | "erased" | "collection_deleted" };
      meta: MemoryCommandMeta;
    }
  | { type: "RecordEmbedding"; data: Target & { version: number } & VectorOf; meta: MemoryCommandMeta };

function expiresAt(tier: MemoryTier, meta: MemoryCommandMeta): string | null {
  return tier === "working" ? new Date(meta.now.getTime() + meta.workingTtlMs).toISOString() : null;
}

/** A memory is valid from `validFrom` until `validTo` (open-ended when null), never the other way round. */
function assertValidity(validFrom: string, validTo: string | null): void {
  if (validTo !== null && Date.parse(validTo) < Date.parse(validFrom))
    throw new ValidityWindowError(validFrom);
}

/** The memory this command may touch: it must exist in the command's project (else 404, never 403). */
function activeIn(state: MemoryState, target: Target): ActiveMemory | null {
  if (state.status === "absent" || state.projectId !== target.projectId) return null;
  return state.status === "active" ? state : null;
}

export function decideMemory(command: MemoryCommand, state: MemoryState): MemoryEvent[] {
  const now = command.meta.now.toISOString();
  switch (command.type) {
    case "RecordMemory": {
      if (state.status !== "absent") throw new MemoryExistsError(command.data.memoryId);
      const { vector, validFrom = now, ...draft } = command.data;
      assertValidity(validFrom, draft.validTo);
      const events: MemoryEvent[] = [
        {
          type: "memory.memory.recorded",
          data: {
            ...draft,
            validFrom,
            expiresAt: expiresAt(draft.tier, command.meta),
            recordedAt: now,
          },
        },
      ];
      if (vector) {
        events.push({
          type: "memory.memory.embedded",
          data: {
            memoryId: draft.memoryId,
            projectId: draft.projectId,
            ownerId: draft.ownerId,
            version: 1,
            ...vector,
          },
        });
      }
      return events;
    }
    case "ReviseMemory": {
      const memory = activeIn(state, command.data);
      if (!memory) throw new MemoryNotFoundError(command.data.memoryId);
      if (memory.supersededBy) throw new MemorySupersededError(memory.memoryId, memory.supersededBy);
      const { changes } = command.data;
      const next = {
        content: changes.content ?? memory.content,
        tier: changes.tier ?? memory.tier,
        metadata: changes.metadata ?? memory.metadata,
        importance: changes.importance ?? memory.importance,
        validTo: changes.validTo === undefined ? memory.validTo : changes.validTo,
      };
      // A revision is a new version valid from now: its window must not end before that.
      assertValidity(now, next.validTo);
      const unchanged =
        next.content === memory.content &&
        next.tier === memory.tier &&
        next.importance === memory.importance &&
        next.validTo === memory.validTo &&
        JSON.stringify(next.metadata) === JSON.stringify(memory.metadata);
      if (unchanged) return [];
      return [
        {
          type: "memory.memory.revised",
          data: {
            memoryId: memory.memoryId,
            projectId: memory.projectId,
            ownerId: memory.ownerId,
            version: memory.version + 1,
            ...next,
            validFrom: now,
            expiresAt: expiresAt(next.tier, command.meta),
            revisedAt: now,
          },
        },
      ];
    }
    case "SupersedeMemory": {
      const memory = activeIn(state, command.data);
      if (!memory) throw new MemoryNotFoundError(command.data.memoryId);
      if (memory.supersededBy === command.data.supersededBy) return [];
      if (memory.supersededBy) throw new MemorySupersededError(memory.memoryId, memory.supersededBy);
      const { supersededBy, reason } = command.data;
      return [
        {
          type: "memory.memory.superseded",
          data: {
            memoryId: memory.memoryId,
            projectId: memory.projectId,
            supersededBy,
            reason,
            validTo: now,
          },
        },
      ];
    }
    case "ReinforceMemory": {
      const memory = activeIn(state, command.data);
      if (!memory) throw new MemoryNotFoundError(command.data.memoryId);
      const base = Math.max(memory.importance, command.data.importance);
      return [
        {
          type: "memory.memory.reinforced",
          data: {
            memoryId: memory.memoryId,
            projectId: memory.projectId,
            importance: Math.min(1, base + REINFORCEMENT_STEP * (1 - base)),
            reinforcements: memory.reinforcements + 1,
            lastSeenAt: now,
            expiresAt: expiresAt(memory.tier, command.meta),
          },
        },
      ];
    }
    case "ForgetMemory": {
      const memory = activeIn(state, command.data);
      if (!memory) {
        // Pruning and erasure may race with a delete; only a caller's own delete reports the miss.
        if (command.data.reason === "deleted") throw new MemoryNotFoundError(command.data.memoryId);
        return [];
      }
      return [
        {
          type: "memory.memory.forgotten",
          data: {
            memoryId: memory.memoryId,
            projectId: memory.projectId,
            reason: command.data.reason,
            forgottenAt: now,
          },
        },
      ];
    }
    case "RecordEmbedding": {
      const memory = activeIn(state, command.data);
      const { version, model, dimensions, embedding } = command.data;
      // A vector for content that was revised meanwhile, or one already recorded, changes nothing.
      if (!memory || memory.version !== version) return [];
      const done = memory.embedded;
      if (done && done.version === version && done.model === model && done.dimensions === dimensions) {
        return [];
      }
      return [
        {
          type: "memory.memory.embedded",
          data: {
            memoryId: memory.memoryId,
            projectId: memory.projectId,
            ownerId: memory.ownerId,
            version,
            model,
            dimensions,
            embedding,
          },
        },
      ];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const memoryDecider = {
  decide: decideMemory,
  evolve: evolveMemory,
  initialState: initialMemoryState,
};
