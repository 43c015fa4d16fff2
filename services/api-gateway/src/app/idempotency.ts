import { createHash } from "node:crypto";
import {
  IdempotencyInFlightError,
  IdempotencyKeyReusedError,
  IdempotencyUnavailableError,
  InvalidIdempotencyKeyError,
  type RouteDefinition,
} from "@tessera/contracts";
import type { FastifyRequest } from "fastify";
import type { IdempotencyStore, StoredResponse } from "../infra/idempotency-store.ts";
import type { GatewayMetrics } from "./metrics.ts";

export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";

/** Printable ASCII without spaces at the ends, 1 to 255 characters (Stripe's limit). */
const KEY_PATTERN = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

export interface IdempotencyDeps {
  readonly store: IdempotencyStore;
  readonly keyPrefix: string;
  readonly ttlSeconds: number;
  /** How long a claim holds while the first request runs, in ms (above the upstream time-out). */
  readonly lockMs: number;
  readonly metrics: GatewayMetrics;
}

export interface RouteResult extends StoredResponse {
  /** True when this is the stored first response, not a new execution. */
  readonly replayed: boolean;
}

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
 * Stripe-style keys: the first 2xx response for (caller, route, key) is kept for `ttlSeconds` and
 * replayed to a repeat with the same body; another body is 422; a repeat while the first still runs
 * is 409. A failure releases the key, so a corrected retry can go through.
 */
export function withIdempotency(
  route: RouteDefinition,
  deps: IdempotencyDeps,
  execute: (request: FastifyRequest) => Promise<StoredResponse>,
) {
  return async function idempotent(request: FastifyRequest): Promise<RouteResult> {
    const key = route.idempotent ? idempotencyKeyOf(request) : undefined;
    if (key === undefined) return { ...(await execute(request)), replayed: false };

    const caller = request.caller ? `user:${request.caller.userId}` : `ip:${request.client.rateKey}`;
    const storeKey = `${deps.keyPrefix}idem:${sha256(`${caller}\n${route.method} ${route.path}\n${key}`)}`;
    const fingerprint = sha256(canonicalJson(request.body ?? null));
    let existing: Awaited<ReturnType<IdempotencyStore["claim"]>>;
    try {
      existing = await deps.store.claim(storeKey, fingerprint, deps.lockMs);
    } catch (error) {
      throw new IdempotencyUnavailableError({ cause: error });
    }
    if (existing !== null) {
      if (existing.fingerprint !== fingerprint) {
        deps.metrics.idempotency("body_mismatch");
        throw new IdempotencyKeyReusedError();
      }
      if (existing.state === "in_flight") {
        deps.metrics.idempotency("in_flight");
        throw new IdempotencyInFlightError();
      }
      deps.metrics.idempotency("replayed");
      return { ...existing.response, replayed: true };
    }

    let result: StoredResponse;
    try {
      result = await execute(request);
    } catch (error) {
      await deps.store.release(storeKey).catch((releaseError: unknown) => {
        request.log.warn({ err: releaseError }, "could not release an idempotency key");
      });
      throw error;
    }
    try {
      await deps.store.complete(storeKey, fingerprint, result, deps.ttlSeconds);
      deps.metrics.idempotency("stored");
    } catch (error) {
      // The work is done; answering it matters more than remembering it.
      request.log.warn({ err: error }, "could not store an idempotent response");
    }
    return { ...result, replayed: false };
  };
}
