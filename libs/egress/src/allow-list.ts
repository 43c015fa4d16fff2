import { isIP, isIPv4, isIPv6 } from "node:net";
import ipaddr from "ipaddr.js";
import { z } from "zod";

/**
 * One operator-allowed target. A `host` entry trusts a host name (whatever it resolves to); an
 * `address` entry an IP address; a `range` entry a CIDR block of addresses, on any port.
 */
export type EgressAllowEntry =
  | { readonly kind: "host"; readonly host: string; readonly port?: number }
  | { readonly kind: "address"; readonly address: string; readonly port?: number }
  | { readonly kind: "range"; readonly network: string; readonly prefixLength: number };

/** Plain data (it is frozen with the rest of a service's configuration). */
export type EgressAllowList = readonly EgressAllowEntry[];

/** What a connection is aimed at: the URL's host name (no brackets) and port. */
export interface EgressTarget {
  readonly hostname: string;
  readonly port: number;
}

const HOST_AND_PORT = /^(?:\[([^\]]*)\]|([^:[\]]+))(?::(\d{1,5}))?$/;
const HOST_NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?$/;

/**
 * Parses `EGRESS_ALLOW_HOSTS`: comma-separated `host[:port]` (a host name, an IPv4 address, or an
 * IPv6 address in brackets when a port follows) or a CIDR (`10.0.0.0/8`, `fd00::/8`). Empty items
 * are ignored. Throws a TypeError naming the first bad entry.
 */
export function parseEgressAllowList(text: string): EgressAllowList {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map(parseEntry);
}

/** `EGRESS_ALLOW_HOSTS` in a service's config schema: unset is the empty list. */
export const EgressAllowHostsSchema: z.ZodType<EgressAllowList, string | undefined> = z
  .string()
  .optional()
  .transform((value, ctx) => {
    try {
      return parseEgressAllowList(value ?? "");
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });

function parseEntry(entry: string): EgressAllowEntry {
  if (entry.includes("://")) throw bad(entry, "write host[:port], not a URL");
  if (entry.includes("/")) return parseRange(entry);
  if (isIPv6(entry)) return { kind: "address", address: ipaddr.parse(entry).toString() };
  const match = HOST_AND_PORT.exec(entry);
  if (!match) throw bad(entry, "expected host[:port], [IPv6]:port or a CIDR");
  const port = match[3] === undefined ? undefined : parsePort(entry, match[3]);
  const bracketed = match[1];
  if (bracketed !== undefined) {
    if (!isIPv6(bracketed)) throw bad(entry, "brackets must hold an IPv6 address");
    return { kind: "address", address: ipaddr.parse(bracketed).toString(), ...portOf(port) };
  }
  const host = (match[2] ?? "").toLowerCase();
  if (isIPv4(host)) return { kind: "address", address: host, ...portOf(port) };
  // Compared with what a URL makes of it, so `0177.0.0.1` or `127.1` cannot be meant as a name.
  const canonical = urlHostname(host);
  if (canonical === undefined) throw bad(entry, "not a valid host name");
  if (canonical !== host) throw bad(entry, `a URL reads "${host}" as "${canonical}": write that instead`);
  if (!HOST_NAME.test(host)) throw bad(entry, "not a valid host name");
  return { kind: "host", host: withoutTrailingDot(host), ...portOf(port) };
}

function parseRange(entry: string): EgressAllowEntry {
  const [network = "", prefix = "", ...rest] = entry.split("/");
  if (rest.length > 0 || isIP(network) === 0 || !/^\d{1,3}$/.test(prefix))
    throw bad(entry, "a CIDR is <IPv4 or IPv6 address>/<prefix length>, with no port");
  try {
    const [address, prefixLength] = ipaddr.parseCIDR(entry);
    return { kind: "range", network: address.toString(), prefixLength };
  } catch {
    throw bad(entry, "the prefix length is too long for the address");
  }
}

function parsePort(entry: string, digits: string): number {
  const port = Number(digits);
  if (port < 1 || port > 65_535) throw bad(entry, "a port is 1–65535");
  return port;
}

const portOf = (port: number | undefined): { port?: number } => (port === undefined ? {} : { port });

function urlHostname(host: string): string | undefined {
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
}

const withoutTrailingDot = (host: string): string => (host.endsWith(".") ? host.slice(0, -1) : host);

const bad = (entry: string, why: string): TypeError =>
  new TypeError(`EGRESS_ALLOW_HOSTS entry "${entry}": ${why}`);

/**
 * Whether the list allows connecting to `address` for `target`. Addresses are compared parsed, and
 * only within one family: an IPv4 entry does not cover an IPv4-mapped IPv6 address (the guard
 * refuses those anyway).
 */
export function allowListPermits(list: EgressAllowList, target: EgressTarget, address: string): boolean {
  const parsed = ipaddr.parse(address);
  const hostname = withoutTrailingDot(target.hostname.toLowerCase());
  return list.some((entry) => entryPermits(entry, hostname, target.port, parsed));
}

function entryPermits(
  entry: EgressAllowEntry,
  hostname: string,
  port: number,
  address: ipaddr.IPv4 | ipaddr.IPv6,
): boolean {
  switch (entry.kind) {
    case "host":
      return entry.host === hostname && portMatches(entry.port, port);
    case "address":
      return sameAddress(ipaddr.parse(entry.address), address) && portMatches(entry.port, port);
    case "range": {
      const network = ipaddr.parse(entry.network);
      return network.kind() === address.kind() && address.match(network, entry.prefixLength);
    }
  }
}

const portMatches = (allowed: number | undefined, port: number): boolean =>
  allowed === undefined || allowed === port;

const sameAddress = (a: ipaddr.IPv4 | ipaddr.IPv6, b: ipaddr.IPv4 | ipaddr.IPv6): boolean =>
  a.kind() === b.kind() && a.toNormalizedString() === b.toNormalizedString();
