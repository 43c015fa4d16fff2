import { describe, expect, it } from "vitest";
import { clientAddressOf, parseTrustedProxies, type TrustedProxies } from "../src/app/client-address.ts";
import { jsonDepthExceeds } from "../src/app/json-body.ts";
import { gatewayConfigSchema } from "../src/config.ts";

function trusted(text: string): TrustedProxies {
  const parsed = parseTrustedProxies(text);
  if (parsed === null) throw new Error(`bad test value ${text}`);
  return parsed;
}

const client = (remoteAddress: string, forwardedFor?: string, proxies = "", proto?: string) =>
  clientAddressOf(
    { remoteAddress },
    {
      ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}),
      ...(proto ? { "x-forwarded-proto": proto } : {}),
    },
    trusted(proxies),
  );

describe("the client's address", () => {
  it("is the socket peer when no proxy is trusted, whatever X-Forwarded-For claims", () => {
    expect(client("203.0.113.5", "1.2.3.4").ip).toBe("203.0.113.5");
  });

  it("unwraps IPv4-mapped IPv6 peers", () => {
    expect(client("::ffff:203.0.113.5")).toMatchObject({ ip: "203.0.113.5", rateKey: "203.0.113.5" });
  });

  it("keys IPv6 clients by their /64", () => {
    expect(client("2001:db8:a:b:1:2:3:4").rateKey).toBe("2001:db8:a:b::/64");
    expect(client("2001:db8:a:b::9").rateKey).toBe("2001:db8:a:b::/64");
  });

  it("walks X-Forwarded-For from the right past trusted ranges only", () => {
    expect(client("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.1", "10.0.0.0/8").ip).toBe("198.51.100.1");
    expect(client("198.51.100.9", "6.6.6.6", "10.0.0.0/8").ip).toBe("198.51.100.9");
  });

  it("takes the given number of hops from the right", () => {
    expect(client("10.0.0.2", "6.6.6.6, 198.51.100.1", "1").ip).toBe("198.51.100.1");
    expect(client("10.0.0.2", "6.6.6.6, 198.51.100.1", "2").ip).toBe("6.6.6.6");
    expect(client("10.0.0.2", "198.51.100.1", "5").ip).toBe("198.51.100.1");
  });

  it("believes X-Forwarded-Proto only from a trusted proxy", () => {
    expect(client("10.0.0.2", "198.51.100.1", "10.0.0.0/8", "https").secure).toBe(true);
    expect(client("198.51.100.1", undefined, "", "https").secure).toBe(false);
  });

  it("refuses proxy settings that do not parse", () => {
    expect(parseTrustedProxies("10.0.0.0/99")).toBeNull();
    expect(parseTrustedProxies("not an address")).toBeNull();
    expect(parseTrustedProxies("")).toEqual({ kind: "none" });
  });
});

describe("JSON depth", () => {
  it("counts nesting outside strings only", () => {
    expect(jsonDepthExceeds(`${"[".repeat(33)}${"]".repeat(33)}`, 32)).toBe(true);
    expect(jsonDepthExceeds(`${"[".repeat(32)}${"]".repeat(32)}`, 32)).toBe(false);
    expect(jsonDepthExceeds(JSON.stringify({ a: '[[[[[[[[[[\\"{{{{{{{{' }), 2)).toBe(false);
  });
});

describe("rate-limit settings", () => {
  it("reads budgets as requests per period", () => {
    const config = gatewayConfigSchema.parse({ RATE_LIMIT_AUTH_LOGIN: "5/30s", RATE_LIMIT_READ: "1000/1h" });
    expect(config.RATE_LIMIT_AUTH_LOGIN).toEqual({ limit: 5, periodMs: 30_000 });
    expect(config.RATE_LIMIT_READ).toEqual({ limit: 1000, periodMs: 3_600_000 });
    expect(config.RATE_LIMIT_WRITE).toEqual({ limit: 120, periodMs: 60_000 });
  });

  it("refuses budgets that are zero or malformed", () => {
    expect(gatewayConfigSchema.safeParse({ RATE_LIMIT_READ: "0/1m" }).success).toBe(false);
    expect(gatewayConfigSchema.safeParse({ RATE_LIMIT_READ: "ten per minute" }).success).toBe(false);
    expect(gatewayConfigSchema.safeParse({ TRUSTED_PROXIES: "10.0.0.0/99" }).success).toBe(false);
  });
});
