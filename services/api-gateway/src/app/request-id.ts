import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { HEADER, RequestIdSchema, TraceparentSchema } from "@tessera/contracts";

/**
 * Fastify's `genReqId`: the client's `x-request-id` when it is sane (RequestIdSchema), a fresh UUID
 * otherwise, so a hostile id never reaches logs, headers or NATS.
 */
export function requestIdFor(request: IncomingMessage): string {
  const offered = request.headers[HEADER.requestId];
  return typeof offered === "string" && RequestIdSchema.safeParse(offered).success ? offered : randomUUID();
}

/** The caller's W3C `traceparent`, passed on only when well formed. */
export function traceparentOf(headers: IncomingMessage["headers"]): string | undefined {
  const offered = headers[HEADER.traceparent];
  return typeof offered === "string" && TraceparentSchema.safeParse(offered).success ? offered : undefined;
}

/** The URL path without the query string: the `instance` of a problem and the key of route lookups. */
export function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}
