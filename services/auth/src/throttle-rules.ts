import type { ThrottleRules } from "./app/login-throttle.ts";
import type { AuthConfig } from "./config.ts";

/** The login-throttling policy from configuration (docs/decisions: login throttling). */
export function throttleRules(config: AuthConfig): ThrottleRules {
  const windowMs = config.LOGIN_FAILURE_WINDOW_MINUTES * 60_000;
  return {
    perAccount: {
      freeFailures: config.LOGIN_FREE_FAILURES_PER_ACCOUNT,
      baseDelaySeconds: 1,
      maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS_PER_ACCOUNT,
      windowMs,
    },
    perIp: {
      freeFailures: config.LOGIN_FREE_FAILURES_PER_IP,
      baseDelaySeconds: 1,
      maxDelaySeconds: config.LOGIN_MAX_DELAY_SECONDS_PER_IP,
      windowMs: Math.max(windowMs, config.LOGIN_MAX_DELAY_SECONDS_PER_IP * 1000),
    },
  };
}
