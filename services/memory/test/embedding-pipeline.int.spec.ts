import { randomUUID } from "node:crypto";
import {
  embeddingsReembed,
  type MessageContext,
  memoriesGet,
  memoriesRecord,
  memoriesSearch,
} from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOpenAi, startFakeOpenAi } from "./fake-openai.ts";
import { eventually, type MemoryHarness, startMemoryHarness } from "./harness.ts";

let fake: FakeOpenAi;
let harness: MemoryHarness;

beforeAll(async () => {
  fake = await startFakeOpenAi({ dimensions: 64 });
  harness = await startMemoryHarness({
    EMBEDDING_PROVIDER: "openai",
    EMBEDDING_BASE_URL: fake.baseUrl,
    EMBEDDING_MODEL: "fake-embed",
    EMBEDDING_DIMENSIONS: "64",
    EMBEDDING_API_KEY: "sk-test",
    EMBEDDING_MAX_RETRIES: "0",
    EMBEDDING_POLL_MS: "50",
  });
});

afterAll(async () => {
  await harness?.stop();
  await fake?.close();
});

const projectId = randomUUID();
const ctx = (): MessageContext => ({ requestId: `req-${randomUUID()}`, actor: randomUUID(), projectId });
const ready = (memoryId: string) =>
  eventually(() =>
    harness.caller
      .request(memoriesGet, { projectId, memoryId }, ctx())
      .then((memory) => (memory.embedding === "ready" ? memory : undefined)),
  );

describe("embedding off the request path with a remote provider", () => {
  it("answers pending at once, then the worker embeds and vector search finds the memory", async () => {
    const created = await harness.caller.request(
      memoriesRecord,
      { projectId, content: "Invoices are archived for ten years" },
      ctx(),
    );
    expect(created).toMatchObject({ result: "created", embedding: "pending" });
    await ready(created.id);
    const found = await harness.caller.request(
      memoriesSearch,
      { projectId, query: "invoices archived years", mode: "vector" },
      ctx(),
    );
    expect(found.items[0]?.memory.id).toBe(created.id);
  });

  it("merges a near-duplicate found once embedded: the older memory is reinforced, the newcomer superseded", async () => {
    const first = await harness.caller.request(
      memoriesRecord,
      { projectId, content: "Standup is at 9:30 every weekday" },
      ctx(),
    );
    await ready(first.id);
    const second = await harness.caller.request(
      memoriesRecord,
      { projectId, content: "Standup is at 9:30 on every weekday" },
      ctx(),
    );
    expect(second.result).toBe("created");
    const merged = await eventually(() =>
      harness.caller
        .request(memoriesGet, { projectId, memoryId: second.id }, ctx())
        .then((memory) => (memory.supersededBy ? memory : undefined)),
    );
    expect(merged.supersededBy).toBe(first.id);
    const older = await harness.caller.request(memoriesGet, { projectId, memoryId: first.id }, ctx());
    expect(older.reinforcements).toBe(1);
  });

  it("keeps memories pending while the provider is down and embeds them once it is back", async () => {
    fake.failNext(503, 503, 503);
    const created = await harness.caller.request(
      memoriesRecord,
      { projectId, content: "Parking is free after six" },
      ctx(),
    );
    await eventually(async () =>
      fake.requests.some((r) => r.input.includes("Parking is free after six")) ? true : undefined,
    );
    const still = await harness.caller.request(memoriesGet, { projectId, memoryId: created.id }, ctx());
    expect(still.embedding).toBe("pending");
    // Keyword search covers it meanwhile; hybrid falls back to keywords when the provider fails.
    const found = await harness.caller.request(
      memoriesSearch,
      { projectId, query: "parking", mode: "keyword" },
      ctx(),
    );
    expect(found.items.map((item) => item.memory.id)).toEqual([created.id]);
    await harness.caller.request(embeddingsReembed, { projectId, all: false }, ctx());
    await ready(created.id);
  });

  it("re-embeds every memory on request (a model or dimension change)", async () => {
    const before = fake.requests.length;
    const { queued } = await harness.caller.request(embeddingsReembed, { projectId, all: true }, ctx());
    expect(queued).toBeGreaterThanOrEqual(3);
    await eventually(async () =>
      fake.requests.slice(before).flatMap((r) => r.input).length >= queued ? true : undefined,
    );
  });
});
