import { TesseraError } from "@tessera/contracts";

/** Turns texts into vectors of one fixed dimension, in input order. */
export interface EmbeddingProvider {
  /** Stored with every vector; a change of model or dimension calls for a re-embed. */
  readonly model: string;
  readonly dimensions: number;
  /** In-process and cheap (no network): the service may embed on the request path. */
  readonly local: boolean;
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}

/** The provider could not be reached, timed out, or kept failing after its retries. */
export class EmbeddingUnavailableError extends TesseraError {
  override name = "EmbeddingUnavailableError";
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super("memory.embedding_unavailable", 503, detail, options);
  }
}

/** The provider answered, but not with what was asked (bad request, wrong dimension, bad shape). */
export class EmbeddingRejectedError extends TesseraError {
  override name = "EmbeddingRejectedError";
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super("memory.embedding_rejected", 502, detail, options);
  }
}
