import { Redis } from "ioredis";

interface RedisLogger {
  warn(object: object, message: string): void;
}

/** How many times a command is retried across reconnects before it fails. @default 2 */
const MAX_RETRIES_PER_REQUEST = 2;

/**
 * The gateway's Redis client (rate limits, idempotency). Reconnects on its own; connection errors are
 * logged without the URL, which may carry a password. While disconnected, commands fail at once
 * instead of queueing, so the rate limiter's down-policy applies without a wait.
 */
export function createRedis(url: string, logger: RedisLogger): Redis {
  const redis = new Redis(url, {
    connectionName: "api-gateway",
    maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
  });
  redis.on("error", (error: Error) => {
    logger.warn({ err: { name: error.name, message: error.message } }, "Redis connection error");
  });
  return redis;
}
