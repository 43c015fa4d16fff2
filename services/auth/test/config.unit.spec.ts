import { parseConfig } from "@tessera/service-kit";
import { describe, expect, it } from "vitest";
import { authConfigSchema, authSettings } from "../src/config.ts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("auth settings", () => {
  it("turns the configured hours, minutes, days and seconds into the milliseconds the handlers use", () => {
    const settings = authSettings(
      parseConfig(authConfigSchema, {
        ACCESS_TOKEN_TTL_SECONDS: "600",
        REFRESH_TOKEN_TTL_DAYS: "20",
        REFRESH_TOKEN_IDLE_DAYS: "3",
        AUTH_SIGNING_KEY_MAX_AGE_HOURS: "12",
        AUTH_SIGNING_KEY_CHECK_SECONDS: "30",
        PASSWORD_RESET_TTL_MINUTES: "45",
        EMAIL_VERIFICATION_TTL_HOURS: "6",
        LOGIN_FAILURE_WINDOW_MINUTES: "10",
        LOGIN_MAX_DELAY_SECONDS_PER_IP: "1200",
      }),
    );
    expect(settings.tokens.ttlSeconds).toBe(600);
    expect(settings.refreshLifetimeMs).toBe(20 * DAY);
    expect(settings.refreshIdleMs).toBe(3 * DAY);
    expect(settings.resetTtlMs).toBe(45 * MINUTE);
    expect(settings.verificationTtlMs).toBe(6 * HOUR);
    expect(settings.flowTtlMs).toBe(10 * MINUTE);
    expect(settings.signingKeys).toEqual({
      checkMs: 30_000,
      maxAgeMs: 12 * HOUR,
      // Two checks ahead; retired keys outlive the last token they signed by three checks and a minute.
      publishAheadMs: 60_000,
      retainRetiredMs: 600_000 + 90_000 + MINUTE,
    });
    // The deny-list outlives every access token of a revoked session.
    expect(settings.revokedSessionsMaxAgeMs).toBe(600_000 + MINUTE);
    expect(settings.throttle.perAccount.windowMs).toBe(10 * MINUTE);
    // An address's window is at least its longest delay.
    expect(settings.throttle.perIp.windowMs).toBe(20 * MINUTE);
  });

  it("takes the defaults when nothing is configured", () => {
    const settings = authSettings(parseConfig(authConfigSchema, {}));
    expect(settings.verificationTtlMs).toBe(48 * HOUR);
    expect(settings.resetTtlMs).toBe(30 * MINUTE);
    expect(settings.refreshLifetimeMs).toBe(30 * DAY);
    expect(settings.refreshIdleMs).toBe(7 * DAY);
    expect(settings.signingKeys.maxAgeMs).toBe(720 * HOUR);
    expect(settings.frontendRedirectUrl).toBeNull();
  });
});
