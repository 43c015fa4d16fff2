/**
 * Per-replica request counts from the NATS server's own monitoring (`/connz`), so no service needs a
 * counter of its own: every replica is one client connection, and the server counts the messages it
 * delivered to each subscription, also for connections that have closed (or were killed).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";

const ConnzSchema = z.object({
  connections: z.array(
    z.object({
      cid: z.number(),
      /** Set once the connection closed, e.g. "Client Closed" after a SIGKILL. */
      reason: z.string().optional(),
      subscriptions_list_detail: z
        .array(z.object({ subject: z.string(), qgroup: z.string().optional(), msgs: z.number() }))
        .optional(),
    }),
  ),
});

export interface Subscriber {
  /** The server's connection id: one per replica process. */
  readonly cid: number;
  /** Messages the server delivered to the replica on the subject since it subscribed (last seen). */
  readonly delivered: number;
  /** Its connection closed, or it unsubscribed (a draining replica does before it closes). */
  readonly gone: boolean;
}

export interface SubscriberWatch {
  /** Every queue subscriber to the subject seen so far, by connection id. */
  snapshot(): Promise<Map<number, Subscriber>>;
  /** Waits for a live subscriber not among `known`: a replica that just started serving. */
  newSubscriber(known: ReadonlySet<number>, timeoutMs?: number): Promise<number>;
}

/**
 * Watches the queue subscribers of `subject`. A subscription the server dropped (a drained replica
 * unsubscribes before closing) keeps its last seen count, so look often around a stop.
 */
export function watchSubscribers(monitoringUrl: string, subject: string): SubscriberWatch {
  const seen = new Map<number, Subscriber>();
  async function snapshot(): Promise<Map<number, Subscriber>> {
    const response = await fetch(`${monitoringUrl}/connz?subs=detail&state=all&limit=10000`);
    const { connections } = ConnzSchema.parse(await response.json());
    const present = new Set<number>();
    for (const connection of connections) {
      const subscription = connection.subscriptions_list_detail?.find(
        (candidate) => candidate.subject === subject && candidate.qgroup !== undefined,
      );
      if (subscription === undefined) continue;
      present.add(connection.cid);
      const gone = connection.reason !== undefined && connection.reason !== "";
      seen.set(connection.cid, { cid: connection.cid, delivered: subscription.msgs, gone });
    }
    for (const [cid, subscriber] of seen) {
      if (!present.has(cid)) seen.set(cid, { ...subscriber, gone: true });
    }
    return new Map(seen);
  }
  return {
    snapshot,
    async newSubscriber(known, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        for (const subscriber of (await snapshot()).values()) {
          if (!subscriber.gone && !known.has(subscriber.cid)) return subscriber.cid;
        }
        await sleep(100);
      }
      throw new Error(`no new subscriber to ${subject} within ${timeoutMs} ms`);
    },
  };
}

/** Deliveries per connection between two snapshots. */
export function deliveredBetween(
  before: ReadonlyMap<number, Subscriber>,
  after: ReadonlyMap<number, Subscriber>,
): Map<number, number> {
  return new Map(
    [...after].map(([cid, subscriber]) => [cid, subscriber.delivered - (before.get(cid)?.delivered ?? 0)]),
  );
}
