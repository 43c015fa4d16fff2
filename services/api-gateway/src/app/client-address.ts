import type { IncomingHttpHeaders } from "node:http";
import ipaddr from "ipaddr.js";

export type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Which proxies in front of the gateway are believed: none (the socket peer is the client), a
 * fixed number of hops, or the proxies whose addresses fall in the given ranges.
 */
export type TrustedProxies =
  | { readonly kind: "none" }
  | { readonly kind: "hops"; readonly hops: number }
  | { readonly kind: "cidrs"; readonly contains: (address: Address) => boolean };

/** `""` → none, `"2"` → two hops, `"10.0.0.0/8, ::1/128"` → ranges; null when a value does not parse. */
export function parseTrustedProxies(text: string): TrustedProxies | null {
  const trimmed = text.trim();
  if (trimmed === "") return { kind: "none" };
  if (/^\d{1,2}$/.test(trimmed)) {
    const hops = Number(trimmed);
    return hops === 0 ? { kind: "none" } : { kind: "hops", hops };
  }
  const ranges: (readonly [Address, number])[] = [];
  for (const item of trimmed.split(",")) {
    const entry = item.trim();
    if (entry === "") continue;
    try {
      const [address, bits] = entry.includes("/")
        ? ipaddr.parseCIDR(entry)
        : [ipaddr.parse(entry), entry.includes(":") ? 128 : 32];
      const mapped = address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress();
      ranges.push([normalize(address), mapped ? Math.max(bits - 96, 0) : bits]);
    } catch {
      return null;
    }
  }
  return {
    kind: "cidrs",
    contains: (address) =>
      ranges.some(([range, bits]) => {
        if (address instanceof ipaddr.IPv4 && range instanceof ipaddr.IPv4) return address.match(range, bits);
        if (address instanceof ipaddr.IPv6 && range instanceof ipaddr.IPv6) return address.match(range, bits);
        return false;
      }),
  };
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as dual-stack sockets report IPv4 peers) becomes plain IPv4. */
function normalize(address: Address): Address {
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

function parseAddress(text: string | undefined): Address | undefined {
  if (text === undefined) return undefined;
  const candidate = text.trim().replace(/^\[(.*)\]$/, "$1");
  return ipaddr.isValid(candidate) ? normalize(ipaddr.parse(candidate)) : undefined;
}

function isTrusted(address: Address, trusted: TrustedProxies): boolean {
  return trusted.kind === "cidrs" && trusted.contains(address);
}

function headerList(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(",") : (value ?? "");
  return joined
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

export interface ClientAddress {
  /** The client's address as text (`203.0.113.7`, `2001:db8::1`). */
  readonly ip: string;
  /** What rate limits key on: the IPv4 address, or the IPv6 /64 the client controls. */
  readonly rateKey: string;
  /** Whether the client reached the first trusted hop over TLS. */
  readonly secure: boolean;
}

/**
 * The client's address: the socket peer unless trusted proxies say otherwise. `X-Forwarded-For` is
 * read from the right, so a client-supplied (spoofed) prefix is never believed and never changes
 * which key a request is counted under.
 */
export function clientAddressOf(
  socket: { remoteAddress?: string | undefined; encrypted?: boolean },
  headers: IncomingHttpHeaders,
  trusted: TrustedProxies,
): ClientAddress {
  const peer = parseAddress(socket.remoteAddress) ?? ipaddr.parse("0.0.0.0");
  const secureSocket = socket.encrypted === true;
  if (trusted.kind === "none") return describe(peer, secureSocket);

  // Right to left: the socket peer, then each hop that the previous (trusted) one reported.
  const forwarded = headerList(headers["x-forwarded-for"]).map(parseAddress);
  const chain: (Address | undefined)[] = [peer, ...forwarded.reverse()];
  let index = 0;
  if (trusted.kind === "hops") {
    index = Math.min(trusted.hops, chain.length - 1);
  } else {
    while (index < chain.length - 1) {
      const hop = chain[index];
      if (hop === undefined || !isTrusted(hop, trusted)) break;
      index += 1;
    }
  }
  // A malformed entry stops the walk at the last hop we could read.
  while (index > 0 && chain[index] === undefined) index -= 1;
  const client = chain[index] ?? peer;
  const peerTrusted = trusted.kind === "hops" || isTrusted(peer, trusted);
  const proto = headerList(headers["x-forwarded-proto"]).at(-1)?.toLowerCase();
  return describe(client, secureSocket || (peerTrusted && index > 0 && proto === "https"));
}

function describe(address: Address, secure: boolean): ClientAddress {
  if (address instanceof ipaddr.IPv6) {
    const prefix = address.parts.slice(0, 4).map((part) => part.toString(16));
    return { ip: address.toString(), rateKey: `${prefix.join(":")}::/64`, secure };
  }
  return { ip: address.toString(), rateKey: address.toString(), secure };
}
