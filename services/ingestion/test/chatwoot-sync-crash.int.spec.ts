import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type IngestionHarness, startIngestion } from "./support.ts";
import {
  cursorOf,
  eventsPerItem,
  fakeSource,
  itemRevisions,
  QUICK_RETRIES,
  runReaches,
  type SyncStack,
  seedConversations,
  startSyncStack,
  syncNow,
} from "./sync-support.ts";

let stack: SyncStack;
let restarted: IngestionHarness | undefined;

beforeAll(async () => {
  // A stopping worker hands a running sync back after 300 ms, as a crash would leave it.
  stack = await startSyncStack({ sync: { drainTimeoutMs: 300 } });
});

afterAll(async () => {
  await restarted?.stop();
  await stack?.stop();
});

const T = 1_950_000_000;

describe("a sync that dies between batches", () => {
  it("loses and doubles nothing when many conversations share one timestamp across a page boundary", async () => {
    // 40 conversations with the same last activity: Chatwoot's pages of 25 split them in an
    // order of its own; the connector's batches of 25 take them by display id.
    const first = seedConversations(stack.fake, 40, { inboxId: 61, activityAt: T });
    const byId = [...first].sort((a, b) => a.id - b.id);
    const [lastOfBatch, firstOfNext] = [byId[24], byId[25]];
    if (!lastOfBatch || !firstOfNext) throw new Error("too few conversations");
    const hanging = `/conversations/${firstOfNext.id}/messages`;
    stack.fake.intercept = (request) =>
      request.path.endsWith(hanging) ? { status: 200, body: "{}", delayMs: 120_000 } : undefined;
    const source = await fakeSource(stack, { inboxIds: [61] });
    const runId = await syncNow(stack, source);
    await eventually(
      async () => stack.fake.requests.some((request) => request.path.endsWith(hanging)) || undefined,
    );

    // Committed so far: the first batch whole, with the cursor at its last conversation.
    const done = byId.slice(0, 25);
    const idsOf = (conversations: typeof first) =>
      conversations.flatMap((conversation) => [
        `cw:7:conv:${conversation.id}`,
        ...conversation.messages.map((message) => `cw:7:msg:${message.id}`),
      ]);
    expect([...(await itemRevisions(stack, source.id)).keys()].sort()).toEqual(idsOf(done).sort());
    expect(await cursorOf(stack, source.id)).toEqual({ activityAt: T, conversationId: lastOfBatch.id });

    // The process goes away mid-run; meanwhile more conversations arrive in that same second.
    await stack.h.service.running.stop();
    const late = seedConversations(stack.fake, 5, { inboxId: 61, activityAt: T });
    stack.fake.intercept = null;
    const requestsBefore = stack.fake.requests.length;
    restarted = await startIngestion({
      env: stack.env,
      database: stack.h.service.database,
      namespace: stack.h.service.namespace,
      sync: { retryOverride: QUICK_RETRIES },
    });

    // The job's message comes back to the new worker, which goes on from the cursor.
    const run = await runReaches(stack, runId, ["succeeded", "dead"], 90_000);
    expect(run.status).toBe("succeeded");
    const all = [...first, ...late];
    const revisions = await itemRevisions(stack, source.id);
    expect([...revisions.keys()].sort()).toEqual(idsOf(all).sort());
    expect(new Set(revisions.values())).toEqual(new Set([1]));
    const received = await eventsPerItem(stack, "ingestion.item.received", source.id);
    expect(received.size).toBe(all.length * 3);
    expect(new Set(received.values())).toEqual(new Set([1]));
    const told = await eventsPerItem(stack, "ingestion.message.received", source.id);
    expect(told.size).toBe(all.length);
    expect(new Set(told.values())).toEqual(new Set([1]));
    const newest = [...all].sort((a, b) => a.id - b.id).at(-1);
    expect(await cursorOf(stack, source.id)).toEqual({ activityAt: T, conversationId: newest?.id });
    // The first batch was listed again (the overlap) but its messages were not read again.
    const reread = stack.fake.requests
      .slice(requestsBefore)
      .filter((request) =>
        done.some((conversation) => request.path.endsWith(`/conversations/${conversation.id}/messages`)),
      );
    expect(reread).toEqual([]);
  });
});
