import { randomUUID } from "node:crypto";
import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import { chatwootMessageItem, incomingMessageFacts } from "../src/domain/chatwoot.ts";
import {
  type ListedConversation,
  laterCursor,
  listedConversation,
  listingDone,
  listingFloor,
  needsMessages,
  nextMessageAnchor,
  retryAfterSeconds,
  syncCandidates,
  syncScope,
} from "../src/domain/chatwoot-sync.ts";
import { type ItemCommand, type ItemEvent, itemDecider } from "../src/domain/item.ts";

function listed(
  id: number,
  activityAt: number,
  inboxId = 1,
  updatedAt: number | null = null,
): ListedConversation {
  const conversation = listedConversation(3, {
    id,
    inbox_id: inboxId,
    last_activity_at: activityAt,
    updated_at: updatedAt,
    meta: { sender: { id: 90 + id, email: `c${id}@example.com` } },
  });
  if (!conversation) throw new Error("not listed");
  return conversation;
}

describe("the compound cursor", () => {
  it("orders by activity, then display id, and never moves back", () => {
    expect(laterCursor(null, { activityAt: 5, conversationId: 2 })).toEqual({
      activityAt: 5,
      conversationId: 2,
    });
    expect(laterCursor({ activityAt: 5, conversationId: 9 }, { activityAt: 5, conversationId: 2 })).toEqual({
      activityAt: 5,
      conversationId: 9,
    });
    expect(laterCursor({ activityAt: 5, conversationId: 9 }, { activityAt: 6, conversationId: 1 })).toEqual({
      activityAt: 6,
      conversationId: 1,
    });
  });

  it("lists down to the cursor less the overlap, and everything on a first run", () => {
    expect(listingFloor(null, 60)).toBe(Number.NEGATIVE_INFINITY);
    expect(listingFloor({ activityAt: 1_000, conversationId: 4 }, 60)).toBe(940);
    expect(listingDone([listed(1, 1_000), listed(2, 950)], 940)).toBe(false);
    expect(listingDone([listed(1, 1_000), listed(2, 939)], 940)).toBe(true);
    expect(listingDone([], 940)).toBe(true);
  });

  it("syncs each conversation once, in the source's inboxes, at or above the floor, oldest first by (activity, id)", () => {
    // Chatwoot's order: newest first, ties in no order of ours, one shown twice after a page shift.
    const page = [
      listed(8, 50),
      listed(3, 50),
      listed(5, 50, 2),
      listed(9, 49),
      listed(3, 50),
      listed(1, 10),
    ];
    const candidates = syncCandidates(page, { inboxIds: [1] }, 40);
    expect(candidates.map((c) => [c.activityAt, c.conversationId])).toEqual([
      [49, 9],
      [50, 3],
      [50, 8],
    ]);
    expect(syncCandidates(page, { inboxIds: null }, 40)).toHaveLength(4);
  });

  it("keeps the newest sighting of a conversation listed twice", () => {
    const [only] = syncCandidates([listed(4, 70), listed(4, 60)], { inboxIds: null }, 0);
    expect(only?.activityAt).toBe(70);
  });

  it("starts over under another installation, account or inbox list", () => {
    const settings = { baseUrl: "https://chat.example.com/", accountId: 3, inboxIds: [1, 2] };
    expect(syncScope(settings)).toBe(syncScope({ ...settings, baseUrl: "http://CHAT.example.com" }));
    expect(syncScope(settings)).not.toBe(syncScope({ ...settings, inboxIds: [1] }));
    expect(syncScope(settings)).not.toBe(syncScope({ ...settings, accountId: 4 }));
  });
});

describe("reading a conversation's messages", () => {
  it("reads them when the conversation is new or moved, always when Chatwoot gives no updated_at", () => {
    const known = { activityAt: 50, updatedAt: 50.5, messageAnchorId: 0 };
    expect(needsMessages(listed(1, 50, 1, 50.5), undefined)).toBe(true);
    expect(needsMessages(listed(1, 50, 1, 50.5), known)).toBe(false);
    expect(needsMessages(listed(1, 50, 1, 51.25), known)).toBe(true);
    expect(needsMessages(listed(1, 51, 1, 50.5), known)).toBe(true);
    expect(needsMessages(listed(1, 50), known)).toBe(true);
  });

  it("reads again after the newest message older than the overlap window, never further back than before", () => {
    const read = [
      { messageId: 10, createdAt: 100 },
      { messageId: 11, createdAt: 150 },
      { messageId: 12, createdAt: 195 },
      { messageId: 13, createdAt: 200 },
    ];
    expect(nextMessageAnchor(0, read, 60)).toBe(10);
    expect(nextMessageAnchor(0, read, 0)).toBe(12);
    expect(nextMessageAnchor(11, read.slice(2), 60)).toBe(11);
    expect(nextMessageAnchor(7, [], 60)).toBe(7);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    expect(retryAfterSeconds("2", now)).toBe(2);
    expect(retryAfterSeconds("Tue, 01 Jan 2030 00:00:30 GMT", now)).toBe(30);
    expect(retryAfterSeconds("soon", now)).toBeNull();
    expect(retryAfterSeconds(undefined, now)).toBeNull();
  });
});

describe("a contact's message", () => {
  const message = (overrides: Record<string, unknown> = {}) =>
    chatwootMessageItem(
      3,
      {
        id: 70,
        conversation_id: 12,
        inbox_id: 1,
        message_type: 0,
        private: false,
        created_at: 1_900_000_000,
        sender: { id: 91, type: "contact", email: "ana@example.com" },
        ...overrides,
      },
      { id: 91, email: "fallback@example.com" },
    );

  it("is told with the contact's id and email; an agent's reply or a private note is not", () => {
    const incoming = message();
    if (!incoming) throw new Error("no item");
    expect(incomingMessageFacts(incoming)).toEqual({
      accountId: 3,
      conversationId: 12,
      messageId: 70,
      inboxId: 1,
      contactId: 91,
      contactEmail: "ana@example.com",
      sentAt: 1_900_000_000,
    });
    const reply = message({ message_type: 1, sender: { id: 7, type: "user" } });
    const note = message({ private: true });
    expect(reply && incomingMessageFacts(reply)).toBeNull();
    expect(note && incomingMessageFacts(note)).toBeNull();
  });

  it("takes the conversation's contact when the sender is not named, and drops an email it cannot seal", () => {
    const unnamed = message({ sender: undefined });
    expect(unnamed && incomingMessageFacts(unnamed)).toMatchObject({
      contactId: 91,
      contactEmail: "fallback@example.com",
    });
    const anonymous = chatwootMessageItem(
      3,
      { id: 71, message_type: 0 },
      { id: null, email: "x@example.com" },
    );
    expect(anonymous && incomingMessageFacts(anonymous)).toMatchObject({
      contactId: null,
      contactEmail: null,
    });
  });

  it("is told with its first revision only, not again when it is edited", () => {
    const item = message();
    const facts = item && incomingMessageFacts(item);
    if (!facts) throw new Error("no facts");
    const data = {
      itemId: randomUUID(),
      projectId: randomUUID(),
      sourceId: randomUUID(),
      sourceType: "chatwoot" as const,
      externalId: "cw:3:msg:70",
      kind: "message" as const,
      contentType: "application/json",
      bytes: 10,
    };
    const now = new Date("2030-01-01T00:00:00.000Z");
    const receive = (contentHash: string): ItemCommand => ({
      type: "ReceiveItem",
      data: { ...data, contentHash, incoming: facts },
      meta: { now },
    });
    const { incoming: _incoming, ...itemData } = receive("a").data;
    const first: ItemEvent[] = [
      { type: "ingestion.item.received", data: { ...itemData, revision: 1, receivedAt: now.toISOString() } },
      {
        type: "ingestion.message.received",
        data: {
          itemId: data.itemId,
          projectId: data.projectId,
          sourceId: data.sourceId,
          externalId: data.externalId,
          accountId: 3,
          conversationId: 12,
          messageId: 70,
          inboxId: 1,
          contactId: 91,
          contactEmail: "ana@example.com",
          sentAt: new Date(1_900_000_000_000).toISOString(),
          receivedAt: now.toISOString(),
        },
      },
    ];
    given(itemDecider, []).when(receive("a")).then(first);
    given(itemDecider, first).when(receive("a")).then([]);
    given(itemDecider, first)
      .when(receive("b"))
      .then([
        {
          type: "ingestion.item.received",
          data: { ...itemData, contentHash: "b", revision: 2, receivedAt: now.toISOString() },
        },
      ]);
  });
});
