import { TesseraError, type TesseraErrorOptions } from "@tessera/contracts";

/** Why a request to Chatwoot failed; the run's error says it in one line, never with the token. */
export type ChatwootFailure =
  | "unauthorized"
  | "not_found"
  | "rate_limited"
  | "redirect"
  | "server"
  | "malformed"
  | "timeout"
  | "unreachable"
  | "refused";

/**
 * A request to a source's Chatwoot failed. The sync run fails with it and the job's retry policy
 * tries again; on a 429, `retryAfterSeconds` is Chatwoot's `Retry-After`.
 */
export class ChatwootRequestError extends TesseraError {
  override name = "ChatwootRequestError";
  readonly failure: ChatwootFailure;
  constructor(failure: ChatwootFailure, detail: string, options: TesseraErrorOptions = {}) {
    super(`ingestion.chatwoot_${failure}`, 502, detail, options);
    this.failure = failure;
  }
}
