import type { Run } from "@tessera/contracts";
import { createLogger } from "@tessera/service-kit";
import { freePort } from "@tessera/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeReply, FakeRequest } from "./fake-chatwoot.ts";
import {
  cursorOf,
  FAKE_TOKEN,
  fakeSource,
  itemRevisions,
  QUICK_RETRIES,
  runReaches,
  type SyncStack,
  seedConversations,
  startSyncStack,
  syncNow,
} from "./sync-support.ts";

const lines: string[] = [];
let stack: SyncStack;

beforeAll(async () => {
  const logger = createLogger({
    service: "ingestion",
    level: "debug",
    destination: { write: (line) => lines.push(line) },
  });
  stack = await startSyncStack({
    logger,
    // Any port of the loopback address, so a source can aim at one where nothing listens.
    env: { LOG_LEVEL: "debug", EGRESS_ALLOW_HOSTS: "127.0.0.1", INGESTION_CHATWOOT_TIMEOUT_MS: "500" },
    // Room for a test to look between attempts before the run runs out of them.
    sync: {
      batchSize: 10,
      retryOverride: { ...QUICK_RETRIES, maxAttempts: 6, initialDelayMs: 500, maxDelayMs: 500 },
    },
  });
});

afterEach(() => {
  stack.fake.intercept = null;
});

afterAll(async () => {
  await stack?.stop();
});

let nextInbox = 100;
let nextEpoch = 1_960_000_000;

/** Conversations in an inbox of their own, each at a later second, and a source reading that inbox. */
async function account(count: number, config: Record<string, unknown> = {}) {
  const inboxId = nextInbox++;
  const conversations = Array.from({ length: count }, () => {
    nextEpoch += 10;
    return seedConversations(stack.fake, 1, { inboxId, activityAt: nextEpoch });
  }).flat();
  const source = await fakeSource(stack, { inboxIds: [inboxId], ...config });
  return { inboxId, conversations, source };
}

/** Fails the requests `matches` picks with `reply` the first `times` times (every time when omitted). */
function failing(matches: (request: FakeRequest) => boolean, reply: FakeReply, times = Infinity) {
  let left = times;
  stack.fake.intercept = (request) => {
    if (!matches(request) || left <= 0) return undefined;
    left--;
    return reply;
  };
}

const listingOf = (inboxId: number) => (request: FakeRequest) =>
  request.path.endsWith("/conversations") && request.query.get("inbox_id") === String(inboxId);

/** One line, naming the request and never a token. */
function expectCleanError(run: Run, pattern: RegExp) {
  expect(run.error).toMatch(pattern);
  expect(run.error).not.toMatch(/[\r\n]/);
  expect(run.error).not.toContain(FAKE_TOKEN);
}

describe("a sync that Chatwoot fails", () => {
  it("dies after its last attempt on a refused token, saying so in one line and never showing the token", async () => {
    const wrongToken = "cw-token-wrong-41d2";
    const { inboxId, source } = await account(2, { apiAccessToken: wrongToken });
    const run = await runReaches(stack, await syncNow(stack, source), ["dead"]);
    expect(run.attempts).toBe(6);
    expectCleanError(
      run,
      new RegExp(
        `^ChatwootRequestError: Chatwoot answered HTTP 401 to GET /api/v1/accounts/7/conversations\\?status=all&page=1&inbox_id=${inboxId}: the API access token was refused\\.$`,
      ),
    );
    expect(run.error).not.toContain(wrongToken);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).not.toContain(wrongToken);
    expect(await itemRevisions(stack, source.id)).toEqual(new Map());
  });

  it("fails on a 429 and asks again only once Retry-After has passed", async () => {
    const { inboxId, conversations, source } = await account(2);
    failing(listingOf(inboxId), { status: 429, headers: { "retry-after": "2" }, body: "{}" }, 1);
    const run = await runReaches(stack, await syncNow(stack, source), ["succeeded", "dead"]);
    expect(run).toMatchObject({ status: "succeeded", attempts: 2 });
    expectCleanError(run, /HTTP 429 to GET .*: rate limited; Retry-After 2 s\.$/);
    const [limited, next] = stack.fake.requests.filter(listingOf(inboxId));
    expect((next?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(2_000);
    expect((await itemRevisions(stack, source.id)).size).toBe(conversations.length * 3);
  });

  it("commits whole batches only while Chatwoot answers 500, and goes on from the cursor once it recovers", async () => {
    const { conversations, source } = await account(15);
    const [tenth, twelfth] = [conversations[9], conversations[11]];
    if (!tenth || !twelfth) throw new Error("too few conversations");
    failing((request) => request.path.endsWith(`/conversations/${twelfth.id}/messages`), {
      status: 500,
      body: '{"error":"boom"}',
    });
    const runId = await syncNow(stack, source);
    const failed = await runReaches(stack, runId, ["failed"]);
    expectCleanError(
      failed,
      /^ChatwootRequestError: Chatwoot answered HTTP 500 to GET .*\/messages\?after=0\.$/,
    );
    // The first batch of ten, whole; nothing of the second, although its first conversation was read.
    const firstBatch = conversations
      .slice(0, 10)
      .flatMap((conversation) => [
        `cw:7:conv:${conversation.id}`,
        ...conversation.messages.map((message) => `cw:7:msg:${message.id}`),
      ]);
    expect([...(await itemRevisions(stack, source.id)).keys()].sort()).toEqual(firstBatch.sort());
    expect(await cursorOf(stack, source.id)).toEqual({
      activityAt: tenth.lastActivityAt,
      conversationId: tenth.id,
    });

    stack.fake.intercept = null;
    expect((await runReaches(stack, runId, ["succeeded", "dead"])).status).toBe("succeeded");
    expect((await itemRevisions(stack, source.id)).size).toBe(conversations.length * 3);
  });

  it("fails on an answer that is not JSON, or not a conversation list, and commits nothing of it", async () => {
    const { inboxId, conversations, source } = await account(3);
    failing(listingOf(inboxId), { status: 200, body: "<html>maintenance</html>" }, 1);
    const notJson = await runReaches(stack, await syncNow(stack, source), ["succeeded", "dead"]);
    expect(notJson).toMatchObject({ status: "succeeded", attempts: 2 });
    expectCleanError(
      notJson,
      /Chatwoot's answer to GET \/api\/v1\/accounts\/7\/conversations\?.* is not JSON\.$/,
    );

    failing(listingOf(inboxId), { status: 200, body: JSON.stringify({ data: { meta: {} } }) }, 1);
    const wrongShape = await runReaches(stack, await syncNow(stack, source), ["succeeded", "dead"]);
    expect(wrongShape).toMatchObject({ status: "succeeded", attempts: 2 });
    expectCleanError(wrongShape, /is not a conversation list \(at data\.payload\)\.$/);
    expect(new Set((await itemRevisions(stack, source.id)).values())).toEqual(new Set([1]));
    expect((await itemRevisions(stack, source.id)).size).toBe(conversations.length * 3);
  });

  it("fails an attempt that Chatwoot answers too slowly and retries it", async () => {
    const { inboxId, source } = await account(1);
    failing(listingOf(inboxId), { status: 200, body: "{}", delayMs: 3_000 }, 1);
    const run = await runReaches(stack, await syncNow(stack, source), ["succeeded", "dead"]);
    expect(run).toMatchObject({ status: "succeeded", attempts: 2 });
    expectCleanError(run, /Chatwoot did not answer for GET .* in time: .*within 500 ms\.$/);
  });

  it("fails with a clear error while Chatwoot is down", async () => {
    const port = await freePort();
    const { source } = await account(1, { baseUrl: `http://127.0.0.1:${port}` });
    const run = await runReaches(stack, await syncNow(stack, source), ["dead"]);
    expectCleanError(run, /Chatwoot could not be read for GET .*: The target refused the connection\.$/);
  });
});
