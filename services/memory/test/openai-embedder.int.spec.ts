import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashEmbed } from "../src/infra/embeddings/local.ts";
import { createOpenAiEmbedder } from "../src/infra/embeddings/openai.ts";
import { EmbeddingRejectedError, EmbeddingUnavailableError } from "../src/infra/embeddings/provider.ts";
import { type FakeOpenAi, startFakeOpenAi } from "./fake-openai.ts";

let fake: FakeOpenAi;

beforeAll(async () => {
  fake = await startFakeOpenAi({ dimensions: 16 });
});

afterAll(async () => {
  await fake?.close();
});

const embedder = (overrides: Partial<Parameters<typeof createOpenAiEmbedder>[0]> = {}) =>
  createOpenAiEmbedder({
    baseUrl: fake.baseUrl,
    model: "fake-embed",
    dimensions: 16,
    apiKey: "sk-test-key",
    batchSize: 2,
    timeoutMs: 2_000,
    maxRetries: 2,
    retryBaseMs: 10,
    ...overrides,
  });

describe("OpenAI-compatible embedding provider", () => {
  it("batches inputs, sends model, dimensions and the key, and keeps input order", async () => {
    fake.requests.length = 0;
    const texts = ["one", "two", "three", "four", "five"];
    const vectors = await embedder().embed(texts);
    expect(fake.requests.map((r) => r.input)).toEqual([["one", "two"], ["three", "four"], ["five"]]);
    expect(fake.requests[0]).toMatchObject({
      model: "fake-embed",
      dimensions: 16,
      authorization: "Bearer sk-test-key",
    });
    expect(vectors).toEqual(texts.map((text) => hashEmbed(text, 16)));
  });

  it("retries a 429 and a 503 with backoff, then succeeds", async () => {
    fake.requests.length = 0;
    fake.failNext(429, 503);
    const vectors = await embedder().embed(["retry me"]);
    expect(fake.requests).toHaveLength(3);
    expect(vectors).toEqual([hashEmbed("retry me", 16)]);
  });

  it("gives up with a clear 503 error after its retries", async () => {
    fake.failNext(500, 500, 500);
    const failure = await embedder()
      .embed(["doomed"])
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(EmbeddingUnavailableError);
    expect(failure).toMatchObject({ status: 503, code: "memory.embedding_unavailable" });
    expect(String((failure as Error).message)).toMatch(/answered 500.*Gave up after 3 attempts/);
  });

  it("times out a request that never answers", async () => {
    fake.hang(true);
    try {
      const failure = await embedder({ timeoutMs: 150, maxRetries: 0 })
        .embed(["slow"])
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(EmbeddingUnavailableError);
      expect((failure as Error).message).toMatch(/did not answer within 150 ms/);
    } finally {
      fake.hang(false);
    }
  });

  it("says the provider is not reachable when nothing listens, without leaking the key", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const failure = await embedder({ baseUrl: `http://127.0.0.1:${port}/v1`, maxRetries: 1 })
      .embed(["anyone?"])
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EmbeddingUnavailableError);
    expect((failure as Error).message).toContain(`http://127.0.0.1:${port} is not reachable`);
    expect((failure as Error).message).not.toContain("sk-test-key");
  });

  it("refuses vectors of another dimension than configured", async () => {
    const failure = await embedder({ dimensions: 8 })
      .embed(["mismatch"])
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(EmbeddingRejectedError);
    expect((failure as Error).message).toMatch(/16-dimensional vectors .* 8 are configured/);
  });
});
