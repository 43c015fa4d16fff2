import type { Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { TooManyAttemptsError } from "../domain/errors.ts";
import { secondsUntilAllowed, type ThrottleRule } from "../domain/throttle.ts";
import {
  clearFailures,
  loadFailureCounts,
  pruneFailures,
  recordFailure,
  throttleKeys,
} from "../infra/login-failures.ts";
import type { AuthDb } from "../infra/tables.ts";

export interface ThrottleRules {
  perAccount: ThrottleRule;
  perIp: ThrottleRule;
}

export interface LoginThrottle {
  /** Throws `TooManyAttemptsError` while the account or the address must wait. */
  check(email: string, clientIp: string | undefined): Promise<void>;
  failed(email: string, clientIp: string | undefined): Promise<void>;
  /** A success clears the account's count; the address's stays (an attacker's own account must not reset it). */
  succeeded(email: string): Promise<void>;
  /** Deletes counts every rule has forgotten; returns how many. */
  prune(): Promise<number>;
}

export function loginThrottle(deps: {
  db: Kysely<AuthDb>;
  rules: ThrottleRules;
  clock: () => Date;
}): LoginThrottle {
  const { db, rules } = deps;
  return {
    async check(email, clientIp) {
      const keys = throttleKeys(email, clientIp);
      const counts = await loadFailureCounts(db, [keys.account, keys.ip]);
      const now = deps.clock();
      const wait = Math.max(
        secondsUntilAllowed(counts.get(keys.account), rules.perAccount, now),
        secondsUntilAllowed(counts.get(keys.ip), rules.perIp, now),
      );
      if (wait > 0) throw new TooManyAttemptsError(wait);
    },
    async failed(email, clientIp) {
      const keys = throttleKeys(email, clientIp);
      const now = deps.clock();
      await recordFailure(db, keys.account, rules.perAccount, now);
      await recordFailure(db, keys.ip, rules.perIp, now);
    },
    async succeeded(email) {
      await clearFailures(db, throttleKeys(email, undefined).account);
    },
    prune() {
      const longest = Math.max(rules.perAccount.windowMs, rules.perIp.windowMs);
      return pruneFailures(db, new Date(deps.clock().getTime() - longest));
    },
  };
}

/** Prunes forgotten counts every `everyMs`; returns the stop. */
export function pruneEvery(throttle: LoginThrottle, everyMs: number, logger: Logger): () => Promise<void> {
  const timer = setInterval(() => {
    throttle.prune().catch((error: unknown) => logger.error({ err: error }, "pruning login failures failed"));
  }, everyMs);
  timer.unref();
  return async () => clearInterval(timer);
}
