import { createHmac } from "node:crypto";
import { sourcesGet } from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliverHook, member, published, rawOf } from "./support.ts";
import {
  eventsPerItem,
  fakeSource,
  itemRevisions,
  runReaches,
  type SyncStack,
  seedConversations,
  startSyncStack,
  syncNow,
  syncToEnd,
} from "./sync-support.ts";

let stack: SyncStack;

beforeAll(async () => {
  stack = await startSyncStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** Seconds since the epoch, in a range of its own per test so tests do not see each other's rows. */
let nextEpoch = 1_900_000_000;
function epoch(): number {
  nextEpoch += 100_000;
  return nextEpoch;
}

describe("syncing a Chatwoot source", () => {
  it("reads every page of conversations and their messages once, only in the source's inboxes, and a repeat adds nothing", async () => {
    const inbox = 11;
    const at = epoch();
    stack.fake.requests.length = 0;
    const wanted = seedConversations(stack.fake, 30, { inboxId: inbox, activityAt: at });
    seedConversations(stack.fake, 3, { inboxId: inbox + 1, activityAt: at });
    const source = await fakeSource(stack, { inboxIds: [inbox] });

    await syncToEnd(stack, source);
    const items = await itemRevisions(stack, source.id);
    const expected = wanted.flatMap((conversation) => [
      `cw:7:conv:${conversation.id}`,
      ...conversation.messages.map((message) => `cw:7:msg:${message.id}`),
    ]);
    expect([...items.keys()].sort()).toEqual(expected.sort());
    expect([...items.values()].every((revision) => revision === 1)).toBe(true);
    // A first sync lists until an empty page; every request carried the token in Chatwoot's
    // header, and none asked for another inbox.
    const listings = stack.fake.requests.filter((request) => request.path.endsWith("/conversations"));
    expect(listings.map((request) => request.query.get("page"))).toEqual(["1", "2", "3"]);
    expect(listings.every((request) => request.query.get("inbox_id") === String(inbox))).toBe(true);
    expect(listings.every((request) => request.query.get("status") === "all")).toBe(true);
    expect(stack.fake.requests.every((request) => request.token === stack.fake.token)).toBe(true);

    const before = await eventsPerItem(stack, "ingestion.item.received", source.id);
    await syncToEnd(stack, source);
    expect(await eventsPerItem(stack, "ingestion.item.received", source.id)).toEqual(before);
    const shown = await stack.h.caller.request(
      sourcesGet,
      { projectId: source.projectId, sourceId: source.id },
      member(source.projectId, "viewer"),
    );
    expect(shown.lastSyncAt).toBe(stack.h.clock.now().toISOString());
    const synced = () => published(stack.h, "ingestion.source.synced", (data) => data.sourceId === source.id);
    await expect.poll(async () => (await synced()).length, { timeout: 15_000 }).toBe(2);
  });

  it("tells each incoming contact message once with the contact's identity, sealing the email in the store", async () => {
    const at = epoch();
    const conversation = stack.fake.addConversation({
      inboxId: 21,
      activityAt: at,
      contact: { id: 4242, email: "ana@example.com", name: "Ana" },
    });
    const incoming = stack.fake.addMessage(conversation, { messageType: 0, content: "Is it shipped?" });
    stack.fake.addMessage(conversation, { messageType: 1, content: "Yes" });
    stack.fake.addMessage(conversation, { messageType: 0, content: "note", private: true });
    const source = await fakeSource(stack, { inboxIds: [21] });

    await syncToEnd(stack, source);
    const told = await published(
      stack.h,
      "ingestion.message.received",
      (data) => data.sourceId === source.id,
    );
    expect(told.map((envelope) => envelope.data)).toEqual([
      expect.objectContaining({
        externalId: `cw:7:msg:${incoming.id}`,
        accountId: 7,
        conversationId: conversation.id,
        messageId: incoming.id,
        inboxId: 21,
        contactId: 4242,
        contactEmail: "ana@example.com",
        sentAt: new Date(at * 1000).toISOString(),
      }),
    ]);
    const { rows } = await sql<{ data: string }>`
      select data::text as data from ingestion.events
       where type = 'ingestion.message.received' and data ->> 'sourceId' = ${source.id}
    `.execute(stack.h.service.database.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.data).not.toContain("ana@example.com");
  });

  it("keeps an edit of a message as its next revision and does not tell it again as a reply", async () => {
    const at = epoch();
    const conversation = stack.fake.addConversation({ inboxId: 31, activityAt: at });
    const message = stack.fake.addMessage(conversation, { messageType: 0, content: "My order is 1234" });
    const source = await fakeSource(stack, { inboxIds: [31] });
    await syncToEnd(stack, source);

    // Chatwoot moves the conversation's updated_at on an edit, not its last activity.
    stack.fake.editMessage(conversation, message.id, "My order is 1243");
    await syncToEnd(stack, source);
    const id = `cw:7:msg:${message.id}`;
    expect((await itemRevisions(stack, source.id)).get(id)).toBe(2);
    expect((await eventsPerItem(stack, "ingestion.item.received", source.id)).get(id)).toBe(2);
    expect((await eventsPerItem(stack, "ingestion.message.received", source.id)).get(id)).toBe(1);
  });

  it("stores a message pushed by Chatwoot's webhook and then polled as one item, told once", async () => {
    const secret = "chatwoot-webhook-secret";
    const at = epoch();
    const conversation = stack.fake.addConversation({ inboxId: 41, activityAt: at });
    const message = stack.fake.addMessage(conversation, { messageType: 0, content: "Pushed first" });
    const source = await fakeSource(stack, { inboxIds: [41], webhookSecret: secret });
    const body = JSON.stringify({
      event: "message_created",
      id: message.id,
      content: message.content,
      content_type: "text",
      message_type: "incoming",
      private: false,
      created_at: new Date(at * 1000).toISOString(),
      sender: { id: conversation.contact.id, type: "contact", email: conversation.contact.email },
      inbox: { id: 41 },
      account: { id: 7 },
      conversation: { id: conversation.id, inbox_id: 41 },
    });
    const timestamp = String(Math.floor(stack.h.clock.now().getTime() / 1000));
    const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
    await deliverHook(
      stack.h,
      source.id,
      rawOf(body, { "x-chatwoot-signature": `sha256=${signature}`, "x-chatwoot-timestamp": timestamp }),
    );

    await syncToEnd(stack, source);
    const id = `cw:7:msg:${message.id}`;
    expect((await itemRevisions(stack, source.id)).get(id)).toBe(1);
    expect((await eventsPerItem(stack, "ingestion.message.received", source.id)).get(id)).toBe(1);
  });

  it("fails a run aimed at an address the operator did not allow with the egress guard's refusal", async () => {
    const source = await fakeSource(stack, { baseUrl: "http://127.0.0.1:9", inboxIds: [51] });
    const run = await runReaches(stack, await syncNow(stack, source), ["failed", "dead"]);
    expect(run.error).toMatch(/egress guard refused GET \/api\/v1\/accounts\/7\/conversations/);
  });
});
