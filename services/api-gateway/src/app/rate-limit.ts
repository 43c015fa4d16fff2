import { createHash } from "node:crypto";
import {
  RateLimitedError,
  RateLimiterUnavailableError,
  type RouteDefinition,
  TesseraError,
} from "@tessera/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RateBudget, RateLimitedClass } from "../config.ts";
import type { RateDecision, RateLimiter, RateRule } from "../infra/rate-limiter.ts";
import type { GatewayMetrics } from "./metrics.ts";

/**
 * When Redis cannot decide: the auth classes fail closed (a brute-force window is worse than a
 * short outage of sign-in), reads and writes fail open (the API stays up; tokens still gate it).
 */
const FAILS_CLOSED: ReadonlySet<RateLimitedClass> = new Set(["auth-login", "auth-register", "auth-recover"]);

export interface RateLimitDeps {
  readonly limiter: RateLimiter;
  readonly budgets: Readonly<Record<RateLimitedClass, RateBudget>>;
  /** Prefix of every key (bus namespace in tests). */
  readonly keyPrefix: string;
  readonly metrics: GatewayMetrics;
}

/** The email of a login body, normalised as `auth` compares it: trimmed and lower-cased. */
function loginAccountOf(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("email" in body)) return undefined;
  const email = body.email;
  if (typeof email !== "string") return undefined;
  const normalised = email.trim().toLowerCase();
  return normalised === "" || normalised.length > 254 ? undefined : normalised;
}

function rulesFor(
  rateClass: RateLimitedClass,
  request: FastifyRequest,
  deps: RateLimitDeps,
): [RateRule, ...RateRule[]] {
  const budget = deps.budgets[rateClass];
  const rule = (kind: string, id: string): RateRule => ({
    key: `${deps.keyPrefix}rl:${rateClass}:${kind}:${id}`,
    limit: budget.limit,
    periodMs: budget.periodMs,
  });
  const byIp = rule("ip", request.client.rateKey);
  if (rateClass === "auth-login") {
    const account = loginAccountOf(request.body);
    // Hashed: Redis keys are not a place for email addresses.
    if (account === undefined) return [byIp];
    return [byIp, rule("account", createHash("sha256").update(account).digest("base64url"))];
  }
  if ((rateClass === "read" || rateClass === "write") && request.caller !== null) {
    return [rule("user", request.caller.userId)];
  }
  return [byIp];
}

function setHeaders(reply: FastifyReply, decision: RateDecision): void {
  const windowSeconds = Math.ceil(decision.rule.periodMs / 1_000);
  reply.header("ratelimit-limit", String(decision.limit));
  reply.header("ratelimit-remaining", String(decision.remaining));
  reply.header("ratelimit-reset", String(Math.ceil(decision.resetMs / 1_000)));
  reply.header("ratelimit-policy", `${decision.limit};w=${windowSeconds}`);
}

/** Hook counting the request against its route's class; `auth-login` must run after the body is parsed. */
export function rateLimitFor(route: RouteDefinition, deps: RateLimitDeps) {
  const rateClass = route.rateClass;
  return async function rateLimit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (rateClass === "none") return;
    let decision: RateDecision;
    try {
      decision = await deps.limiter.check(rulesFor(rateClass, request, deps));
    } catch (error) {
      if (error instanceof TesseraError) throw error;
      const closed = FAILS_CLOSED.has(rateClass);
      deps.metrics.rateLimitDecision({
        rateClass,
        decision: closed ? "redis_down_closed" : "redis_down_open",
      });
      request.log.warn(
        { err: { name: error instanceof Error ? error.name : "unknown" }, rateClass, failClosed: closed },
        "rate limiter unavailable",
      );
      if (closed) throw new RateLimiterUnavailableError({ cause: error });
      return;
    }
    setHeaders(reply, decision);
    deps.metrics.rateLimitDecision({ rateClass, decision: decision.allowed ? "allowed" : "limited" });
    if (!decision.allowed) {
      throw new RateLimitedError(Math.max(1, Math.ceil(decision.retryAfterMs / 1_000)));
    }
  };
}
