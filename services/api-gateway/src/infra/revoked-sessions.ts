import { type OperationDefinition, SessionsRevokedSchema } from "@tessera/contracts";

/** One entry of a KV watch over the whole bucket, as `@nats-io/kv` yields it. */
export interface RevocationEntry {
  readonly key: string;
  readonly operation: "PUT" | "DEL" | "PURGE";
  readonly created: Date;
}

/** The part of a NATS KV bucket the list needs. */
export interface WatchableBucket {
  watch(options: { key: string }): Promise<AsyncIterable<RevocationEntry> & { stop(): void }>;
}

interface ListLogger {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

/**
 * How long a revoked session id is remembered locally, in ms: well past any access token's
 * lifetime (15 minutes by default), after which the token is refused for its `exp` anyway.
 * @default 86_400_000 (24 h)
 */
export const REVOCATION_RETENTION_MS = 86_400_000;

export interface RevokedSessions {
  isRevoked(sessionId: string): boolean;
  /** Refuses these sessions here at once, before `auth`'s bucket says so (it will, for every gateway). */
  markRevoked(sessionIds: readonly string[]): void;
  close(): Promise<void>;
}

/**
 * The sessions an operation's answer says it revoked: `auth`'s session-ending operations (logout,
 * revoking a session, changing or resetting a password) answer `SessionsRevokedSchema`; any other
 * operation names none.
 */
export function sessionsRevokedBy(operation: OperationDefinition, answer: unknown): readonly string[] {
  if (operation.response !== SessionsRevokedSchema) return [];
  return SessionsRevokedSchema.parse(answer).revokedSessionIds;
}

/**
 * The session ids `auth` has revoked, followed live from its KV bucket (one key per session id),
 * so a revoked session's access tokens stop working within moments rather than at expiry; and
 * those this gateway saw revoked, at once.
 */
export async function startRevokedSessions(deps: {
  kv: WatchableBucket;
  logger: ListLogger;
  now?: () => number;
}): Promise<RevokedSessions> {
  const now = deps.now ?? Date.now;
  const revoked = new Map<string, number>();
  const watcher = await deps.kv.watch({ key: ">" });

  const prune = setInterval(() => {
    const cutoff = now() - REVOCATION_RETENTION_MS;
    for (const [sessionId, at] of revoked) if (at < cutoff) revoked.delete(sessionId);
  }, 10 * 60_000);
  prune.unref();

  const watching = (async () => {
    try {
      for await (const entry of watcher) {
        if (entry.operation === "PUT") revoked.set(entry.key, entry.created.getTime());
        else revoked.delete(entry.key);
      }
    } catch (error) {
      deps.logger.error({ err: error }, "revoked-sessions watch ended with an error");
    }
  })();
  deps.logger.info({}, "watching revoked sessions");

  return {
    isRevoked: (sessionId) => revoked.has(sessionId),
    markRevoked(sessionIds) {
      for (const sessionId of sessionIds) revoked.set(sessionId, now());
    },
    async close() {
      clearInterval(prune);
      watcher.stop();
      await watching;
    },
  };
}
