import { z } from "zod";
import { type EmbeddingProvider, EmbeddingRejectedError, EmbeddingUnavailableError } from "./provider.ts";

export interface OpenAiEmbedderOptions {
  /** e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` (Ollama), a vLLM or TEI server. */
  baseUrl: string;
  model: string;
  dimensions: number;
  apiKey?: string;
  /** Inputs per request. @default 64 */
  batchSize?: number;
  /** One request's time-out, in ms. @default 15_000 */
  timeoutMs?: number;
  /** Send `dimensions` (OpenAI text-embedding-3 shortening); off for servers that reject it. @default true */
  sendDimensions?: boolean;
  /** Retries after a 429, a 5xx, a time-out or a network failure. @default 3 */
  maxRetries?: number;
  /** First retry delay in ms, doubled each time, ±25 % jitter. @default 250 */
  retryBaseMs?: number;
  fetch?: typeof fetch;
}

const EmbeddingsResponseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

/** A failure worth another try, with what to say if the last try fails the same way. */
class Retryable extends Error {}

/**
 * The OpenAI `/embeddings` API as OpenAI, Ollama, vLLM and TEI serve it. Batches inputs, retries
 * transient failures with exponential backoff and jitter (honouring `Retry-After`), times out each
 * request, and checks that every vector has the configured dimension.
 */
export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): EmbeddingProvider {
  const endpoint = `${options.baseUrl.replace(/\/+$/, "")}/embeddings`;
  // Named in errors without credentials or query strings.
  const where = new URL(endpoint).origin;
  const batchSize = options.batchSize ?? 64;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxRetries = options.maxRetries ?? 3;
  const retryBaseMs = options.retryBaseMs ?? 250;
  const doFetch = options.fetch ?? fetch;

  async function requestOnce(input: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await doFetch(endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: options.model,
          input,
          ...(options.sendDimensions === false ? {} : { dimensions: options.dimensions }),
          encoding_format: "float",
        }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      const reason = timeout.aborted ? `did not answer within ${timeoutMs} ms` : "is not reachable";
      throw new Retryable(`The embedding provider at ${where} ${reason}.`, { cause: error });
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      throw Object.assign(new Retryable(`The embedding provider at ${where} answered ${response.status}.`), {
        retryAfterMs: retryAfterMs(response.headers.get("retry-after")),
      });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new EmbeddingRejectedError(
        `The embedding provider at ${where} refused the request (${response.status}): ${text.slice(0, 300)}`,
      );
    }
    return parseVectors(text, input.length);
  }

  function parseVectors(text: string, count: number): number[][] {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new EmbeddingRejectedError(`The embedding provider at ${where} did not answer JSON.`, {
        cause: error,
      });
    }
    const parsed = EmbeddingsResponseSchema.safeParse(body);
    if (!parsed.success || parsed.data.data.length !== count) {
      throw new EmbeddingRejectedError(
        `The embedding provider at ${where} answered an unexpected shape (${count} vectors expected).`,
      );
    }
    const vectors = [...parsed.data.data].sort((a, b) => a.index - b.index).map((item) => item.embedding);
    const wrong = vectors.find((vector) => vector.length !== options.dimensions);
    if (wrong) {
      throw new EmbeddingRejectedError(
        `The embedding provider at ${where} returned ${wrong.length}-dimensional vectors for model ` +
          `${options.model}; ${options.dimensions} are configured (EMBEDDING_DIMENSIONS).`,
      );
    }
    return vectors;
  }

  async function requestWithRetries(input: readonly string[], signal?: AbortSignal): Promise<number[][]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await requestOnce(input, signal);
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        if (attempt >= maxRetries) {
          throw new EmbeddingUnavailableError(`${error.message} Gave up after ${attempt + 1} attempts.`, {
            cause: error,
          });
        }
        const backoff = retryBaseMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
        const hinted =
          "retryAfterMs" in error && typeof error.retryAfterMs === "number" ? error.retryAfterMs : 0;
        await sleep(Math.max(backoff, hinted), signal);
      }
    }
  }

  return {
    model: options.model,
    dimensions: options.dimensions,
    local: false,
    async embed(texts, embedOptions = {}) {
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        vectors.push(
          ...(await requestWithRetries(texts.slice(start, start + batchSize), embedOptions.signal)),
        );
      }
      return vectors;
    },
  };
}

/** `Retry-After` in seconds (dates are rare for this API), capped at one minute. */
function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 60) * 1_000 : 0;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
