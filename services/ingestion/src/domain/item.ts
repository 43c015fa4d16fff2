import type { ItemKind, SourceType } from "@tessera/contracts";
import type { IncomingMessageFacts } from "./chatwoot.ts";

/**
 * A raw item: what one source received under one stable id. Its stream is keyed by (source,
 * external id), so two deliveries of the same item race for one stream version and the loser is
 * decided again: the same content is no second revision.
 */
export type ItemReceived = {
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

/** A contact's message, told once: beside the item's first revision (its contact email is sealed). */
export type MessageReceived = {
  type: "ingestion.message.received";
  data: {
    itemId: string;
    projectId: string;
    sourceId: string;
    externalId: string;
    accountId: number;
    conversationId: number | null;
    messageId: number;
    inboxId: number | null;
    contactId: number | null;
    contactEmail: string | null;
    sentAt: string | null;
    receivedAt: string;
  };
};

export type ItemEvent = ItemReceived | MessageReceived;

export type ItemState =
  | { readonly status: "absent" }
  | { readonly status: "present"; readonly revision: number; readonly contentHash: string };

export type ItemCommand = {
  type: "ReceiveItem";
  data: Omit<ItemReceived["data"], "revision" | "receivedAt"> & {
    /** Set for a contact's incoming message: told once, when the item is first stored. */
    incoming?: IncomingMessageFacts | null;
  };
  meta: { now: Date };
};

/** Seconds since the epoch as RFC 3339, or null when that is not a time the contracts can carry. */
function secondsToTime(seconds: number | null): string | null {
  if (seconds === null) return null;
  const at = new Date(seconds * 1000);
  const year = at.getUTCFullYear();
  return Number.isNaN(at.getTime()) || year < 1 || year > 9999 ? null : at.toISOString();
}

function messageReceived(received: ItemReceived["data"], incoming: IncomingMessageFacts): MessageReceived {
  return {
    type: "ingestion.message.received",
    data: {
      itemId: received.itemId,
      projectId: received.projectId,
      sourceId: received.sourceId,
      externalId: received.externalId,
      accountId: incoming.accountId,
      conversationId: incoming.conversationId,
      messageId: incoming.messageId,
      inboxId: incoming.inboxId,
      contactId: incoming.contactId,
      contactEmail: incoming.contactEmail,
      sentAt: secondsToTime(incoming.sentAt),
      receivedAt: received.receivedAt,
    },
  };
}

export function decideItem(command: ItemCommand, state: ItemState): ItemEvent[] {
  if (state.status === "present" && state.contentHash === command.data.contentHash) return [];
  const revision = state.status === "present" ? state.revision + 1 : 1;
  const { incoming, ...item } = command.data;
  const received: ItemReceived = {
    type: "ingestion.item.received",
    data: { ...item, revision, receivedAt: command.meta.now.toISOString() },
  };
  // An edit is a new revision, not a new reply: the message is told once, with its first revision.
  if (state.status === "absent" && incoming) return [received, messageReceived(received.data, incoming)];
  return [received];
}

export function evolveItem(state: ItemState, event: ItemEvent): ItemState {
  if (event.type !== "ingestion.item.received") return state;
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
