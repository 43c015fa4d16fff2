import { type AesKeyRing, openSecret, sealSecret } from "@tessera/service-kit";
import type { Redis } from "ioredis";
import { z } from "zod";

/** What is kept of a finished request for replay: its status and public body. */
export const StoredResponseSchema = z.object({
  status: z.number().int(),
  /** The public response body; null for an empty one. */
  body: z.unknown(),
});
export type StoredResponse = z.infer<typeof StoredResponseSchema>;

const SettledSchema = z.discriminatedUnion("state", [
  z.object({ state: z.literal("done"), fingerprint: z.string(), response: StoredResponseSchema }),
  /** The request may have taken effect, and no response will come: it is never run again. */
  z.object({ state: z.literal("unknown"), fingerprint: z.string() }),
]);
export type SettledEntry = z.infer<typeof SettledSchema>;

const EntrySchema = z.union([
  z.object({
    state: z.literal("in_flight"),
    fingerprint: z.string(),
    /** Epoch ms after which the first request no longer reports its outcome (the gateway gave up or died). */
    until: z.number(),
  }),
  SettledSchema,
]);

/** What a key holds; `unreadable`: a value that does not open (a key missing from the ring, another format). */
export type IdempotencyEntry = z.infer<typeof EntrySchema> | { readonly state: "unreadable" };

const SealedSchema = z.object({ keyId: z.string(), ciphertext: z.string() });

export interface IdempotencyStore {
  /**
   * Claims the key for a new request (null: claimed, go ahead) or returns what it already holds. The
   * claim is kept for `ttlSeconds`: a request whose gateway dies mid-way may have taken effect, so its
   * key turns into an unknown outcome at `until` rather than being freed for a second run.
   */
  claim(
    key: string,
    fingerprint: string,
    until: number,
    ttlSeconds: number,
  ): Promise<IdempotencyEntry | null>;
  /** Keeps the request's final state for `ttlSeconds`. */
  settle(key: string, entry: SettledEntry, ttlSeconds: number): Promise<void>;
  /** Lets the key be used again: the request was refused, so it made no change. */
  release(key: string): Promise<void>;
}

/**
 * Entries in Redis are sealed with AES-256-GCM under `keys` (the Redis key is the associated data,
 * so an entry cannot be moved to another caller or key): a replayed body may carry tokens, and the
 * fingerprint is derived from a request body that may carry a password.
 */
export function createIdempotencyStore(
  redis: Pick<Redis, "set" | "del">,
  keys: AesKeyRing,
): IdempotencyStore {
  const seal = (key: string, entry: z.input<typeof EntrySchema>): string =>
    JSON.stringify(sealSecret(keys.current, JSON.stringify(entry), key));
  const open = (key: string, stored: string): IdempotencyEntry => {
    try {
      const sealed = SealedSchema.parse(JSON.parse(stored));
      return EntrySchema.parse(JSON.parse(openSecret(keys, sealed, key)));
    } catch {
      return { state: "unreadable" };
    }
  };
  return {
    async claim(key, fingerprint, until, ttlSeconds) {
      const claim = seal(key, { state: "in_flight", fingerprint, until });
      // SET NX GET: one round trip that either claims the key or returns what holds it (Redis ≥ 7).
      const previous = await redis.set(key, claim, "EX", ttlSeconds, "NX", "GET");
      return previous === null ? null : open(key, previous);
    },
    async settle(key, entry, ttlSeconds) {
      await redis.set(key, seal(key, entry), "EX", ttlSeconds);
    },
    async release(key) {
      await redis.del(key);
    },
  };
}
