import type { Redis } from "ioredis";
import { z } from "zod";

/** What is kept of a finished request for replay: its status and public body. */
export const StoredResponseSchema = z.object({
  status: z.number().int(),
  /** The public response body; null for an empty one. */
  body: z.unknown(),
});
export type StoredResponse = z.infer<typeof StoredResponseSchema>;

const EntrySchema = z.discriminatedUnion("state", [
  z.object({ state: z.literal("in_flight"), fingerprint: z.string() }),
  z.object({ state: z.literal("done"), fingerprint: z.string(), response: StoredResponseSchema }),
]);
export type IdempotencyEntry = z.infer<typeof EntrySchema>;

export interface IdempotencyStore {
  /**
   * Claims the key for a new request (null: claimed, go ahead) or returns what it already holds.
   * The claim expires after `lockMs`, so a gateway that dies mid-request does not block the key forever.
   */
  claim(key: string, fingerprint: string, lockMs: number): Promise<IdempotencyEntry | null>;
  /** Stores the finished response for `ttlSeconds`. */
  complete(key: string, fingerprint: string, response: StoredResponse, ttlSeconds: number): Promise<void>;
  /** Lets the key be used again (the request failed before producing a storable response). */
  release(key: string): Promise<void>;
}

export function createIdempotencyStore(redis: Pick<Redis, "set" | "del">): IdempotencyStore {
  return {
    async claim(key, fingerprint, lockMs) {
      const claim: IdempotencyEntry = { state: "in_flight", fingerprint };
      // SET NX GET: one round trip that either claims the key or returns what holds it (Redis ≥ 7).
      const previous = await redis.set(key, JSON.stringify(claim), "PX", lockMs, "NX", "GET");
      if (previous === null) return null;
      const parsed = EntrySchema.safeParse(JSON.parse(previous));
      // Unreadable leftovers (another version's format) are treated as in flight, never replayed.
      return parsed.success ? parsed.data : { state: "in_flight", fingerprint: "" };
    },
    async complete(key, fingerprint, response, ttlSeconds) {
      const done: IdempotencyEntry = { state: "done", fingerprint, response };
      await redis.set(key, JSON.stringify(done), "EX", ttlSeconds);
    },
    async release(key) {
      await redis.del(key);
    },
  };
}
