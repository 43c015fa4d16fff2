import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";

/**
 * GCRA over every key of one request, in one round trip: the request passes only if every key
 * allows it, and only then are the keys' theoretical arrival times advanced. Time comes from Redis
 * (`TIME`), so gateway replicas with skewed clocks share one timeline. ARGV holds, per key, the
 * emission interval (period / limit) and the period (the burst tolerance) in ms.
 */
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local allowed = 1
local retry = 0
local tats = {}
for i, key in ipairs(KEYS) do
  local emission = tonumber(ARGV[2 * i - 1])
  local period = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local allowAt = tat + emission - period
  if allowAt > now then
    allowed = 0
    if allowAt - now > retry then retry = allowAt - now end
  end
  tats[i] = tat
end
local remaining = -1
local tightest = 1
local reset = 0
for i, key in ipairs(KEYS) do
  local emission = tonumber(ARGV[2 * i - 1])
  local period = tonumber(ARGV[2 * i])
  local tat = tats[i]
  if allowed == 1 then
    tat = tat + emission
    redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now))
  end
  local left = math.floor((now + period - tat) / emission)
  if left < 0 then left = 0 end
  if remaining < 0 or left < remaining then
    remaining = left
    tightest = i
  end
  if tat - now > reset then reset = tat - now end
end
return {allowed, remaining, math.ceil(reset), math.ceil(retry), tightest}
`;

const SCRIPT_SHA = createHash("sha1").update(GCRA_SCRIPT).digest("hex");

const ReplySchema = z.tuple([z.number(), z.number(), z.number(), z.number(), z.number()]);

export interface RateRule {
  /** The Redis key (prefix, class, what it is keyed by). */
  readonly key: string;
  readonly limit: number;
  readonly periodMs: number;
}

export interface RateDecision {
  readonly allowed: boolean;
  /** The limit of the tightest rule. */
  readonly limit: number;
  /** Requests left under the tightest rule after this one. */
  readonly remaining: number;
  /** Until every rule is back to its full budget, in ms. */
  readonly resetMs: number;
  /** Until this request would pass, in ms (0 when it passed). */
  readonly retryAfterMs: number;
  /** The rule that bounds `remaining`. */
  readonly rule: RateRule;
}

export interface RateLimiter {
  /** Counts one request against every rule at once; rejects when Redis does not answer in time. */
  check(rules: readonly [RateRule, ...RateRule[]]): Promise<RateDecision>;
}

/** How long a rate-limit decision may wait for Redis before the down-policy applies, in ms. @default 500 */
export const RATE_LIMIT_TIMEOUT_MS = 500;

class RedisTimeoutError extends Error {
  override name = "RedisTimeoutError";
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new RedisTimeoutError(`Redis did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("NOSCRIPT");
}

export function createRateLimiter(
  redis: Pick<Redis, "evalsha" | "eval">,
  opts: { timeoutMs?: number } = {},
): RateLimiter {
  const timeoutMs = opts.timeoutMs ?? RATE_LIMIT_TIMEOUT_MS;
  const run = async (keys: string[], args: string[]): Promise<unknown> => {
    try {
      return await redis.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args);
    } catch (error) {
      // First use on this Redis (or after a restart): send the script itself once.
      if (!isNoScript(error)) throw error;
      return redis.eval(GCRA_SCRIPT, keys.length, ...keys, ...args);
    }
  };
  return {
    async check(rules) {
      const keys = rules.map((rule) => rule.key);
      const args = rules.flatMap((rule) => [String(rule.periodMs / rule.limit), String(rule.periodMs)]);
      const [allowed, remaining, resetMs, retryAfterMs, tightest] = ReplySchema.parse(
        await withTimeout(run(keys, args), timeoutMs),
      );
      const rule = rules[tightest - 1] ?? rules[0];
      return { allowed: allowed === 1, limit: rule.limit, remaining, resetMs, retryAfterMs, rule };
    },
  };
}
