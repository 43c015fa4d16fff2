import { createHash } from "node:crypto";
import {
  IdempotencyInFlightError,
  IdempotencyKeyReusedError,
  IdempotencyOutcomeUnknownError,
  IdempotencyUnavailableError,
  InvalidIdempotencyKeyError,
  isWriteRoute,
  type RouteDefinition,
  TesseraError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  WriteTimeoutError,
} from "@tessera/contracts";
import type { FastifyRequest } from "fastify";
import type { IdempotencyEntry, IdempotencyStore, StoredResponse } from "../infra/idempotency-store.ts";
import type { GatewayMetrics } from "./metrics.ts";

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";

/** Printable ASCII without spaces at the ends, 1 to 255 characters (Stripe's limit). */
const KEY_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

/** Time a late outcome has to reach Redis after the gateway stops waiting for it, in ms. */
const SETTLE_MARGIN_MS = 5_000;

/** Longest pause between two looks at a key whose first request still runs, in ms. */
const MAX_POLL_MS = 250;

export interface IdempotencyDeps {
  readonly store: IdempotencyStore;
  readonly keyPrefix: string;
  readonly ttlSeconds: number;
  /** How long a caller waits for an answer, in ms: the upstream time-out. */
  readonly answerWithinMs: number;
  /** How much longer the gateway waits for a keyed request it answered 504, to keep its outcome, in ms. */
  readonly outcomeWaitMs: number;
  readonly metrics: GatewayMetrics;
}

export interface RouteResult extends StoredResponse {
  /** True when this is the stored first response, not a new execution. */
  readonly replayed: boolean;
}

/** Runs the route's operation, waiting at most `timeoutMs` for its reply. */
export type Execute = (request: FastifyRequest, timeoutMs: number) => Promise<StoredResponse>;

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const offered = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (offered === undefined) return undefined;
  if (typeof offered !== "string" || !KEY_PATTERN.test(offered)) throw new InvalidIdempotencyKeyError();
  return offered;
}

/**
 * The service refused the request (a 4xx), or, before the caller was answered, nobody took it: it
 * made no change, so the key may be used again. After a 504 a lost connection proves nothing.
 */
function madeNoChange(error: unknown, late: boolean): boolean {
  if (error instanceof UpstreamUnavailableError) return !late;
  return error instanceof TesseraError && error.status < 500;
}

/** How a claimed request ended. */
type Ended =
  | { readonly ok: true; readonly response: StoredResponse }
  | { readonly ok: false; readonly error: unknown; readonly late: boolean };

const TIMED_OUT = Symbol("timed out");

async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stripe-style keys (decision 0011): the first 2xx response for (caller, route, key) is kept for
 * `ttlSeconds` and replayed to a repeat of the same request; another request is 422; a repeat while
 * the first still runs waits for its outcome. A refused request releases the key. One that did not
 * answer in time keeps it: its late reply is still awaited and kept, so a retry never runs it twice.
 */
export function withIdempotency(route: RouteDefinition, deps: IdempotencyDeps, execute: Execute) {
  const subject = route.operation.subject;
  const write = isWriteRoute(route);

  async function withoutKey(request: FastifyRequest): Promise<RouteResult> {
    try {
      return { ...(await execute(request, deps.answerWithinMs)), replayed: false };
    } catch (error) {
      if (!write || !(error instanceof UpstreamTimeoutError)) throw error;
      const retry = route.idempotent ? "no-key" : "keys-not-accepted";
      throw new WriteTimeoutError(subject, retry, { cause: error });
    }
  }

  /** What a repeat answers from the key's entry; undefined while the first request may still report. */
  function answerFrom(entry: IdempotencyEntry, fingerprint: string, request: FastifyRequest) {
    if (entry.state === "unreadable") {
      request.log.warn("an idempotency entry does not open: is its key missing from IDEMPOTENCY_KEYS?");
    } else if (entry.fingerprint !== fingerprint) {
      deps.metrics.idempotency("body_mismatch");
      throw new IdempotencyKeyReusedError();
    } else if (entry.state === "done") {
      deps.metrics.idempotency("replayed");
      return { ...entry.response, replayed: true };
    } else if (entry.state === "in_flight" && Date.now() < entry.until) {
      return undefined;
    }
    deps.metrics.idempotency("outcome_unknown");
    throw new IdempotencyOutcomeUnknownError();
  }

  /** Claims the key (null), or answers from what holds it, waiting up to the upstream time-out for a running first request. */
  async function claimOrAnswer(
    request: FastifyRequest,
    storeKey: string,
    fingerprint: string,
  ): Promise<RouteResult | null> {
    const waitUntil = Date.now() + deps.answerWithinMs;
    for (let attempt = 0; ; attempt += 1) {
      const until = Date.now() + deps.answerWithinMs + deps.outcomeWaitMs + SETTLE_MARGIN_MS;
      let entry: IdempotencyEntry | null;
      try {
        entry = await deps.store.claim(storeKey, fingerprint, until, deps.ttlSeconds);
      } catch (error) {
        throw new IdempotencyUnavailableError({ cause: error });
      }
      if (entry === null) return null;
      const answer = answerFrom(entry, fingerprint, request);
      if (answer !== undefined) return answer;
      if (Date.now() >= waitUntil) {
        deps.metrics.idempotency("in_flight");
        throw new IdempotencyInFlightError({ retryAfterSeconds: 1 });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_POLL_MS, 25 * 2 ** attempt)));
    }
  }

  /** Keeps what the request ended as, so that a retry replays it or knows it cannot be told. */
  async function settle(request: FastifyRequest, storeKey: string, fingerprint: string, ended: Ended) {
    try {
      if (ended.ok) {
        const entry = { state: "done", fingerprint, response: ended.response } as const;
        await deps.store.settle(storeKey, entry, deps.ttlSeconds);
        deps.metrics.idempotency("stored");
      } else if (madeNoChange(ended.error, ended.late)) {
        await deps.store.release(storeKey);
      } else {
        await deps.store.settle(storeKey, { state: "unknown", fingerprint }, deps.ttlSeconds);
      }
    } catch (error) {
      // The work is done; answering it matters more than remembering it.
      request.log.warn({ err: error }, "could not record the outcome of an idempotent request");
    }
  }

  /** The 504 of a keyed request: the retry it invites is safe, since the outcome is still kept. */
  function timedOut(cause?: unknown): UpstreamTimeoutError {
    const options = cause === undefined ? {} : { cause };
    return write
      ? new WriteTimeoutError(subject, "same-key", options)
      : new UpstreamTimeoutError(subject, options);
  }

  return async function idempotent(request: FastifyRequest): Promise<RouteResult> {
    const key = route.idempotent ? idempotencyKeyOf(request) : undefined;
    if (key === undefined) return withoutKey(request);

    const caller = request.caller ? `user:${request.caller.userId}` : `ip:${request.client.rateKey}`;
    const storeKey = `${deps.keyPrefix}idem:${sha256(`${caller}\n${route.method} ${route.path}\n${key}`)}`;
    // Salted with the key, which Redis never holds: a fingerprint of a password cannot be guessed back.
    const fingerprint = sha256(`${key}\n${canonicalJson(request.input ?? null)}`);
    const answer = await claimOrAnswer(request, storeKey, fingerprint);
    if (answer !== null) return answer;

    const outcome = execute(request, deps.answerWithinMs + deps.outcomeWaitMs);
    let late = false;
    // Whatever the operation ends as is recorded, also after the caller was answered 504.
    const recorded = outcome.then(
      (response) => settle(request, storeKey, fingerprint, { ok: true, response }),
      (error: unknown) => settle(request, storeKey, fingerprint, { ok: false, error, late }),
    );
    let result: StoredResponse | typeof TIMED_OUT;
    try {
      result = await within(outcome, deps.answerWithinMs);
    } catch (error) {
      await recorded;
      throw error instanceof UpstreamTimeoutError ? timedOut(error) : error;
    }
    if (result === TIMED_OUT) {
      late = true;
      throw timedOut();
    }
    await recorded;
    return { ...result, replayed: false };
  };
}
