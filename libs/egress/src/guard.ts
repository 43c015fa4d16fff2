import type { Agent } from "node:http";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from "request-filtering-agent";
import { allowListPermits, type EgressAllowList, type EgressTarget } from "./allow-list.ts";
import { EgressRefusedError } from "./errors.ts";

/**
 * How the guard sees the address a socket connects to. Node connects to exactly what the socket's
 * `lookup` answers (an IP literal in the URL skips the lookup and is connected as written), so:
 * - request-filtering-agent's agent checks the literal in `createConnection` and every address of
 *   the lookup's answer inside the socket's lookup, right before the connect, and refuses any
 *   address ipaddr.js does not call `unicast` (loopback, private, link-local with the metadata
 *   address, CGNAT, multicast, broadcast, reserved, unspecified, IPv4-mapped, NAT64, 6to4, …);
 * - under it, this module's lookup screens the same answer first: an address the operator allowed
 *   joins the agent's allow list (request-filtering-agent 3.x reads the array it was given at each
 *   check); one ipaddr.js calls unicast but that still leads inside is refused here.
 * There is no second resolution to race (DNS rebinding): the answer checked is the answer connected.
 * The agent's own CIDR allow and deny lists are not used: they know no ports or host names, and
 * matching a CIDR against an address of the other family logs a warning on every request.
 */

/** Addresses ipaddr.js calls `unicast` that must be refused too. */
const ALSO_REFUSED: readonly { readonly range: [ipaddr.IPv4 | ipaddr.IPv6, number]; readonly why: string }[] =
  [
    // `::a.b.c.d` (RFC 4291, deprecated): an IPv4 address written as IPv6.
    { range: ipaddr.parseCIDR("::/96"), why: "IPv4-compatible IPv6 address" },
    { range: ipaddr.parseCIDR("168.63.129.16/32"), why: "Azure platform (WireServer) metadata address" },
  ];

export const ADDRESS_REFUSED =
  "The target's address is not publicly routable (loopback, private, link-local, metadata, multicast, " +
  "reserved or unspecified) and the operator has not allowed it.";

export interface ConnectionGuard {
  /** One per request, so the allow list it carries is this request's alone. */
  readonly agent: Agent;
  /** The socket's lookup: resolves with the given one and screens its answer. */
  readonly lookup: LookupFunction;
}

/** The guard for one request. Throws `EgressRefusedError` at once for a refused IP literal. */
export function connectionGuard(
  target: EgressTarget & { readonly https: boolean },
  allow: EgressAllowList,
  resolve: LookupFunction,
): ConnectionGuard {
  const approved: string[] = [];
  const screen = (address: string): void => {
    if (allowListPermits(allow, target, address)) {
      approved.push(address);
      return;
    }
    const parsed = ipaddr.parse(address);
    if (parsed.range() !== "unicast") return; // request-filtering-agent refuses it
    const refused = ALSO_REFUSED.find(
      ({ range }) => parsed.kind() === range[0].kind() && parsed.match(range),
    );
    if (refused)
      throw new EgressRefusedError("address", ADDRESS_REFUSED, {
        cause: new Error(`${address}: ${refused.why}`),
      });
  };
  if (isIP(target.hostname) !== 0) screen(target.hostname);
  const options = { allowIPAddressList: approved, keepAlive: false };
  const agent = target.https
    ? new RequestFilteringHttpsAgent(options)
    : new RequestFilteringHttpAgent(options);
  return { agent, lookup: screenedLookup(resolve, screen) };
}

function screenedLookup(resolve: LookupFunction, screen: (address: string) => void): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      try {
        for (const one of typeof address === "string" ? [address] : address)
          screen(typeof one === "string" ? one : one.address);
      } catch (refusal) {
        return callback(refusal as EgressRefusedError, address, family);
      }
      callback(null, address, family);
    });
  };
}

/** request-filtering-agent's refusal: a plain Error ("… is not allowed. Because …"), no errno code. */
export function isAgentRefusal(error: unknown): error is Error {
  return error instanceof Error && !("code" in error) && / is not allowed\. Because/.test(error.message);
}
