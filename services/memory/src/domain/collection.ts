import { CollectionNotFoundError } from "./errors.ts";

export type CollectionEvent =
  | {
      type: "memory.collection.created";
      data: {
        collectionId: string;
        projectId: string;
        name: string;
        description: string | null;
        createdAt: string;
      };
    }
  | {
      type: "memory.collection.renamed";
      data: { collectionId: string; projectId: string; name: string; renamedAt: string };
    }
  | {
      type: "memory.collection.deleted";
      data: { collectionId: string; projectId: string; withMemories: boolean; deletedAt: string };
    };

export type CollectionState =
  | { status: "absent" }
  | { status: "active"; collectionId: string; projectId: string; name: string }
  | { status: "deleted"; collectionId: string; projectId: string };

type Target = { projectId: string; collectionId: string };

export type CollectionCommand =
  | {
      type: "CreateCollection";
      data: Target & { name: string; description: string | null };
      meta: { now: Date };
    }
  | { type: "RenameCollection"; data: Target & { name: string }; meta: { now: Date } }
  | { type: "DeleteCollection"; data: Target & { withMemories: boolean }; meta: { now: Date } };

function activeIn(state: CollectionState, target: Target) {
  return state.status === "active" && state.projectId === target.projectId ? state : null;
}

export function decideCollection(command: CollectionCommand, state: CollectionState): CollectionEvent[] {
  const now = command.meta.now.toISOString();
  const { collectionId, projectId } = command.data;
  switch (command.type) {
    case "CreateCollection":
      // Ids are minted by the service, so a taken id can only be a replay of the same request.
      if (state.status !== "absent") return [];
      return [
        {
          type: "memory.collection.created",
          data: {
            collectionId,
            projectId,
            name: command.data.name,
            description: command.data.description,
            createdAt: now,
          },
        },
      ];
    case "RenameCollection": {
      const collection = activeIn(state, command.data);
      if (!collection) throw new CollectionNotFoundError(collectionId);
      if (collection.name === command.data.name) return [];
      return [
        {
          type: "memory.collection.renamed",
          data: { collectionId, projectId, name: command.data.name, renamedAt: now },
        },
      ];
    }
    case "DeleteCollection":
      if (!activeIn(state, command.data)) throw new CollectionNotFoundError(collectionId);
      return [
        {
          type: "memory.collection.deleted",
          data: { collectionId, projectId, withMemories: command.data.withMemories, deletedAt: now },
        },
      ];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export function evolveCollection(state: CollectionState, event: CollectionEvent): CollectionState {
  switch (event.type) {
    case "memory.collection.created":
      return {
        status: "active",
        collectionId: event.data.collectionId,
        projectId: event.data.projectId,
        name: event.data.name,
      };
    case "memory.collection.renamed":
      return state.status === "active" ? { ...state, name: event.data.name } : state;
    case "memory.collection.deleted":
      return { status: "deleted", collectionId: event.data.collectionId, projectId: event.data.projectId };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const collectionDecider = {
  decide: decideCollection,
  evolve: evolveCollection,
  initialState: (): CollectionState => ({ status: "absent" }),
};

export function collectionStreamId(collectionId: string): string {
  return `collection-${collectionId}`;
}
