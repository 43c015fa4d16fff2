import {
  API_VERSION,
  BadRequestError,
  ExpectationFailedError,
  HEADER,
  UntrustedHostError,
  UriTooLongError,
} from "@tessera/contracts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ClientAddress, clientAddressOf, type TrustedProxies } from "./client-address.ts";
import { pathOf } from "./request-id.ts";
import { CSRF_HEADER, TOKEN_TRANSPORT_HEADER } from "./token-cookies.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The client as the gateway determined it (trusted proxies applied). */
    client: ClientAddress;
  }
}

export interface EdgeSettings {
  readonly trustedProxies: TrustedProxies;
  /** Accepted `Host` values; empty accepts any. */
  readonly trustedHosts: readonly string[];
  /** `*`: any origin without credentials (development); otherwise exact origins, with credentials. */
  readonly corsOrigins: "*" | readonly string[];
}

/** The API answers JSON only: nothing in it may run, frame or load anything. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** What every response carries, including those written straight to a socket. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};
/** Longest request target read, in characters (nginx's default header buffer). @default 8_192 */
export const MAX_URL_LENGTH = 8_192;
const HSTS = "max-age=31536000; includeSubDomains";
const CORS_ALLOW_HEADERS = [
  "authorization",
  "content-type",
  "idempotency-key",
  "traceparent",
  "x-request-id",
  CSRF_HEADER,
  TOKEN_TRANSPORT_HEADER,
].join(", ");
const CORS_EXPOSE_HEADERS = [
  "x-request-id",
  "x-api-version",
  "ratelimit-limit",
  "ratelimit-remaining",
  "ratelimit-reset",
  "ratelimit-policy",
  "retry-after",
  "idempotent-replayed",
  "www-authenticate",
].join(", ");
const CORS_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE";
/** How long browsers may cache a preflight answer, in seconds. @default 600 */
const CORS_MAX_AGE_SECONDS = "600";

function allowedOrigin(request: FastifyRequest, origins: EdgeSettings["corsOrigins"]): string | undefined {
  const origin = request.headers.origin;
  if (typeof origin !== "string") return undefined;
  if (origins === "*") return "*";
  return origins.includes(origin) ? origin : undefined;
}

function setCorsHeaders(request: FastifyRequest, reply: FastifyReply, settings: EdgeSettings): boolean {
  if (settings.corsOrigins !== "*") reply.header("vary", "Origin");
  const origin = allowedOrigin(request, settings.corsOrigins);
  if (origin === undefined) return false;
  reply.header("access-control-allow-origin", origin);
  if (origin !== "*") reply.header("access-control-allow-credentials", "true");
  return true;
}

function hostAllowed(host: string | undefined, trusted: readonly string[]): boolean {
  if (trusted.length === 0) return true;
  if (host === undefined) return false;
  const lowered = host.toLowerCase();
  const name = lowered.replace(/:\d+$/, "");
  return trusted.some((entry) => entry === lowered || entry === name);
}

/**
 * Sets the headers every response shares. The `onSend` hook calls it; so must every answer that
 * bypasses the hooks (Fastify's router errors).
 */
export type EdgeHeaders = (request: FastifyRequest, reply: FastifyReply, client: ClientAddress) => void;

export function edgeHeaders(settings: EdgeSettings): EdgeHeaders {
  return (request, reply, client) => {
    if (request.method !== "OPTIONS" && setCorsHeaders(request, reply, settings)) {
      reply.header("access-control-expose-headers", CORS_EXPOSE_HEADERS);
    }
    reply.headers(SECURITY_HEADERS);
    if (!reply.hasHeader("content-security-policy")) reply.header("content-security-policy", API_CSP);
    if (client.secure) reply.header("strict-transport-security", HSTS);
    if (pathOf(request.url).startsWith("/v1/auth/")) reply.header("cache-control", "no-store");
    reply.header(HEADER.requestId, request.id);
    reply.header(HEADER.apiVersion, API_VERSION);
  };
}

/** What Node's parser lets through but the gateway refuses before routing. */
function checkRequestShape(request: FastifyRequest, trustedHosts: readonly string[]): void {
  if (request.url.length > MAX_URL_LENGTH) throw new UriTooLongError();
  // Node's own check (`requireHostHeader`) answers with an empty 400, so the gateway does it.
  if (request.raw.httpVersion === "1.1" && request.headers.host === undefined) {
    throw new BadRequestError("An HTTP/1.1 request must carry a Host header.");
  }
  if (!hostAllowed(request.headers.host, trustedHosts)) throw new UntrustedHostError();
  const expect = request.headers.expect;
  if (expect !== undefined && expect.trim().toLowerCase() !== "100-continue")
    throw new ExpectationFailedError();
}

/**
 * What every response shares, whatever route it comes from: the client's address, the request's
 * shape (URL length, `Host`, `Expect`), CORS (preflights answered here), the request id, and
 * Helmet-style security headers.
 */
export function registerEdge(app: FastifyInstance, settings: EdgeSettings): void {
  const trustedHosts = settings.trustedHosts.map((host) => host.toLowerCase());
  // Computed on first read and remembered per request (a getter keeps shared values off the prototype).
  const clients = new WeakMap<FastifyRequest, ClientAddress>();
  app.decorateRequest("client", {
    getter(this: FastifyRequest): ClientAddress {
      let client = clients.get(this);
      if (client === undefined) {
        client = clientAddressOf(this.raw.socket, this.headers, settings.trustedProxies);
        clients.set(this, client);
      }
      return client;
    },
  });

  app.addHook("onRequest", async (request, reply) => {
    checkRequestShape(request, trustedHosts);
    const preflight =
      request.method === "OPTIONS" && typeof request.headers["access-control-request-method"] === "string";
    if (!preflight) return;
    if (setCorsHeaders(request, reply, settings)) {
      reply.header("access-control-allow-methods", CORS_METHODS);
      reply.header("access-control-allow-headers", CORS_ALLOW_HEADERS);
      reply.header("access-control-max-age", CORS_MAX_AGE_SECONDS);
    }
    return reply.code(204).send();
  });

  const setHeaders = edgeHeaders(settings);
  app.addHook("onSend", async (request, reply, payload) => {
    setHeaders(request, reply, request.client);
    return payload;
  });
}
