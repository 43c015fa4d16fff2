import { jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { Bus } from "@tessera/bus";
import { REVOKED_SESSIONS_KV, sessionCompromised, sessionRevoked } from "@tessera/contracts";
import { type AppendSignal, type AsyncProjection, startAsyncProjection } from "@tessera/eventstore";
import type { Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { AUTH_SCHEMA } from "./auth-store.ts";
import type { AuthDb } from "./tables.ts";

/**
 * Opens the revoked-sessions bucket with entries kept for `maxAgeMs` (at least the access-token
 * lifetime). The bucket may already exist (the gateway opens it too); its max age is then set.
 */
export async function openRevokedSessionsKv(bus: Bus, maxAgeMs: number): Promise<KV> {
  const kv = await bus.kv(REVOKED_SESSIONS_KV.bucket, { ttl: maxAgeMs, history: 1 });
  const status = await kv.status();
  if (status.ttl !== maxAgeMs) {
    const jsm = await jetstreamManager(bus.nc);
    const stream = `KV_${bus.names.kvBucket(REVOKED_SESSIONS_KV.bucket)}`;
    const info = await jsm.streams.info(stream);
    await jsm.streams.update(stream, { ...info.config, max_age: maxAgeMs * 1_000_000 });
  }
  return kv;
}

/**
 * Feeds the gateway's deny-list from the event store: every revoked or compromised session id is put
 * into the bucket (value: when). At least once, checkpointed, so a crash after an append still
 * reaches the gateway.
 */
export function revokedSessionsProjection(kv: KV): AsyncProjection {
  return {
    name: "revoked-sessions-kv",
    async handle(_trx, event) {
      if (event.type === sessionRevoked.type) {
        const data = sessionRevoked.data.parse(event.data);
        await kv.put(data.sessionId, data.revokedAt);
      } else if (event.type === sessionCompromised.type) {
        const data = sessionCompromised.data.parse(event.data);
        await kv.put(data.sessionId, data.detectedAt);
      }
    },
  };
}

/** Opens the bucket and starts feeding it from the event store; resolves to the feed's stop. */
export async function startRevokedSessionsFeed(deps: {
  db: Kysely<AuthDb>;
  bus: Bus;
  logger: Logger;
  appended: AppendSignal;
  /** How long an entry is kept, in ms. */
  maxAgeMs: number;
}): Promise<() => Promise<void>> {
  const kv = await openRevokedSessionsKv(deps.bus, deps.maxAgeMs);
  const feed = startAsyncProjection({
    db: deps.db,
    // Session events only: they carry no sealed fields, so nothing to reveal.
    schema: AUTH_SCHEMA,
    projection: revokedSessionsProjection(kv),
    logger: deps.logger,
    appended: deps.appended,
    pollMs: 50,
  });
  return () => feed.stop();
}
