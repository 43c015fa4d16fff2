import { describe, expect, it } from "vitest";
import { z } from "zod";
import { allowListPermits, EgressAllowHostsSchema, parseEgressAllowList } from "../src/index.ts";

describe("parseEgressAllowList", () => {
  it("reads host names, addresses with or without a port, and CIDR blocks, ignoring empty items", () => {
    expect(
      parseEgressAllowList(
        " Chatwoot.Internal:3000 , hooks.internal., 10.0.0.5, 10.0.0.6:8080,,[FD00::1]:443, fd00::2, 10.0.0.0/8, fd00::/8 ",
      ),
    ).toEqual([
      { kind: "host", host: "chatwoot.internal", port: 3000 },
      { kind: "host", host: "hooks.internal" },
      { kind: "address", address: "10.0.0.5" },
      { kind: "address", address: "10.0.0.6", port: 8080 },
      { kind: "address", address: "fd00::1", port: 443 },
      { kind: "address", address: "fd00::2" },
      { kind: "range", network: "10.0.0.0", prefixLength: 8 },
      { kind: "range", network: "fd00::", prefixLength: 8 },
    ]);
  });

  it("reads an empty value as an empty list", () => {
    expect(parseEgressAllowList("")).toEqual([]);
    expect(parseEgressAllowList(" , ")).toEqual([]);
  });

  it.each([
    ["chatwoot.internal:0", "a port is 1–65535"],
    ["chatwoot.internal:65536", "a port is 1–65535"],
    ["chatwoot.internal:http", "expected host[:port]"],
    ["10.0.0.0/33", "the prefix length is too long"],
    ["10.0.0.0/8:80", "a CIDR is"],
    ["10/8", "a CIDR is"],
    ["0177.0.0.1", 'a URL reads "0177.0.0.1" as "127.0.0.1": write that instead'],
    ["127.1:8080", 'a URL reads "127.1" as "127.0.0.1"'],
    ["2130706433", 'a URL reads "2130706433" as "127.0.0.1"'],
    ["*.example.com", "not a valid host name"],
    ["http://example.com", "write host[:port], not a URL"],
    ["[10.0.0.1]:80", "brackets must hold an IPv6 address"],
    ["[::1", "expected host[:port]"],
    ["exa mple.com", "not a valid host name"],
  ])("refuses %s with a message naming it", (entry, message) => {
    expect(() => parseEgressAllowList(`ok.example, ${entry}`)).toThrow(
      `EGRESS_ALLOW_HOSTS entry "${entry}": ${message}`,
    );
  });
});

describe("EgressAllowHostsSchema", () => {
  const config = z.object({ EGRESS_ALLOW_HOSTS: EgressAllowHostsSchema });

  it("gives the parsed list, and an empty one when the variable is unset", () => {
    expect(config.parse({ EGRESS_ALLOW_HOSTS: "127.0.0.1:8080" }).EGRESS_ALLOW_HOSTS).toEqual([
      { kind: "address", address: "127.0.0.1", port: 8080 },
    ]);
    expect(config.parse({}).EGRESS_ALLOW_HOSTS).toEqual([]);
  });

  it("refuses a bad entry with an issue on the variable that names the entry", () => {
    const result = config.safeParse({ EGRESS_ALLOW_HOSTS: "10.0.0.0/40" });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ["EGRESS_ALLOW_HOSTS"],
        message: 'EGRESS_ALLOW_HOSTS entry "10.0.0.0/40": the prefix length is too long for the address',
      }),
    ]);
  });
});

describe("allowListPermits", () => {
  const list = parseEgressAllowList("chatwoot.internal:3000, 10.0.0.5:8080, 192.168.0.0/16, fd00::/8");
  const at = (hostname: string, port: number) => ({ hostname, port });

  it("matches a host name entry by name and port, whatever the address", () => {
    expect(allowListPermits(list, at("CHATWOOT.internal.", 3000), "10.9.9.9")).toBe(true);
    expect(allowListPermits(list, at("chatwoot.internal", 3001), "10.9.9.9")).toBe(false);
    expect(allowListPermits(list, at("chatwoot.internal.evil.example", 3000), "10.9.9.9")).toBe(false);
  });

  it("matches an address entry by the connected address and port, whatever the name", () => {
    expect(allowListPermits(list, at("anything.internal", 8080), "10.0.0.5")).toBe(true);
    expect(allowListPermits(list, at("anything.internal", 80), "10.0.0.5")).toBe(false);
    expect(allowListPermits(list, at("anything.internal", 8080), "::ffff:10.0.0.5")).toBe(false);
  });

  it("matches a CIDR entry on any port, within its own address family only", () => {
    expect(allowListPermits(list, at("x", 1), "192.168.4.2")).toBe(true);
    expect(allowListPermits(list, at("x", 1), "fd12::1")).toBe(true);
    expect(allowListPermits(list, at("x", 1), "::ffff:192.168.4.2")).toBe(false);
    expect(allowListPermits(list, at("x", 1), "192.169.0.1")).toBe(false);
  });
});
