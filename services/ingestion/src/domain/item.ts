import type { ItemKind, SourceType } from "@tessera/contracts";

/**
 * A raw item: what one source received under one stable id. Its stream is keyed by (source,
 * external id), so two deliveries of the same item race for one stream version and the loser is
 * decided again: the same content is no second revision.
 */
export type ItemEvent = {
  type: "ingestion.item.received";
  data: {
    itemId: string;
    projectId: string;
    sourceId: string;
    sourceType: SourceType;
    externalId: string;
    kind: ItemKind;
    revision: number;
    contentHash: string;
    contentType: string;
    bytes: number;
    receivedAt: string;
  };
};

export type ItemState =
  | { readonly status: "absent" }
  | { readonly status: "present"; readonly revision: number; readonly contentHash: string };

export type ItemCommand = {
  type: "ReceiveItem";
  data: Omit<ItemEvent["data"], "revision" | "receivedAt">;
  meta: { now: Date };
};

export function decideItem(command: ItemCommand, state: ItemState): ItemEvent[] {
  if (state.status === "present" && state.contentHash === command.data.contentHash) return [];
  const revision = state.status === "present" ? state.revision + 1 : 1;
  return [
    {
      type: "ingestion.item.received",
      data: { ...command.data, revision, receivedAt: command.meta.now.toISOString() },
    },
  ];
}

export function evolveItem(_state: ItemState, event: ItemEvent): ItemState {
  return { status: "present", revision: event.data.revision, contentHash: event.data.contentHash };
}

export const itemDecider = {
  decide: decideItem,
  evolve: evolveItem,
  initialState: (): ItemState => ({ status: "absent" }),
};

export function itemStreamId(itemId: string): string {
  return `item-${itemId}`;
}
