import type { Server, ServerOptions } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { BadRequestError, ShuttingDownError, TooManyConnectionsError } from "@tessera/contracts";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { answerOnSocket, clientErrorHandler } from "./socket-problems.ts";

/** How long the gateway waits for slow clients, and how many connections one address may hold. */
export interface HttpServerLimits {
  /** Time for the request line and headers to arrive, in ms. */
  readonly headersTimeoutMs: number;
  /** Time for the whole request, headers and body, to arrive, in ms; at least `headersTimeoutMs`. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept open, in ms (Node adds 1 s of grace). */
  readonly keepAliveTimeoutMs: number;
  /** Open connections one socket address may hold; 0 lifts the cap. */
  readonly maxConnectionsPerAddress: number;
}

/** The part of Fastify's options that configures its Node HTTP server. */
export interface HttpServerOptions {
  readonly http: ServerOptions;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly return503OnClosing: false;
  readonly clientErrorHandler: (error: Error & { code?: string }, socket: Duplex) => void;
}

/** Longest pause between Node's sweeps for timed-out requests, in ms. @default 1_000 */
const MAX_TIMEOUT_SWEEP_MS = 1_000;
/** How long a connection over the per-address cap may take to send the request it is refused on, in ms. @default 1_000 */
const REFUSED_CONNECTION_GRACE_MS = 1_000;

/**
 * Fastify options for the HTTP server: Node's time-outs for slow clients, swept often enough to
 * apply within a second of expiry (Node sweeps every 30 s by default), and every answer Node or
 * Fastify would give on their own replaced by the gateway's problem+json.
 */
export function httpServerOptions(limits: HttpServerLimits, logger: FastifyBaseLogger): HttpServerOptions {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(MAX_TIMEOUT_SWEEP_MS, Math.floor(shortest / 4))),
      // Node answers a missing Host with an empty 400; the gateway's edge answers it instead.
      requireHostHeader: false,
    },
    // Fastify sets these two on the server after creating it, over the `http` values.
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Fastify's own 503 while closing is plain JSON; `guardConnections` answers instead.
    return503OnClosing: false,
    clientErrorHandler: clientErrorHandler(logger),
  };
}

/** Counts open sockets per remote address; those beyond `max` go into `overCap`. */
function capConnectionsPerAddress(server: Server, max: number, overCap: WeakSet<object>): void {
  const open = new Map<string, number>();
  server.on("connection", (socket: Socket) => {
    const address = socket.remoteAddress;
    if (address === undefined) return;
    const count = open.get(address) ?? 0;
    if (count >= max) {
      overCap.add(socket);
      // Refused on its first request; one that sends none is not kept waiting for it.
      const timer = setTimeout(() => socket.destroy(), REFUSED_CONNECTION_GRACE_MS);
      timer.unref();
      socket.once("close", () => clearTimeout(timer));
      return;
    }
    open.set(address, count + 1);
    socket.once("close", () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

/**
 * What is refused before a request reaches the edge: requests while the gateway closes (503),
 * connections beyond the per-address cap (429 on their request, then closed), `CONNECT`, and
 * `Expect` values Node would answer with an empty 417 (handed to the routes, whose edge refuses
 * them as problem+json). The cap counts the socket's address: a request, and with it any
 * `X-Forwarded-For`, has not arrived when a connection opens, so behind a proxy it caps the proxy.
 */
export function guardConnections(
  app: FastifyInstance,
  limits: HttpServerLimits,
  logger: FastifyBaseLogger,
): void {
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  const overCap = new WeakSet<object>();
  if (limits.maxConnectionsPerAddress > 0) {
    capConnectionsPerAddress(app.server, limits.maxConnectionsPerAddress, overCap);
  }
  app.server.on("checkExpectation", (request, response) => app.routing(request, response));
  app.server.on("connect", (_request, socket: Duplex) => {
    answerOnSocket(
      socket,
      new BadRequestError("CONNECT is not supported: this gateway is not a proxy."),
      logger,
    );
  });
  app.addHook("onRequest", async (request, reply) => {
    if (closing) throw new ShuttingDownError();
    if (overCap.has(request.raw.socket)) {
      reply.header("connection", "close");
      throw new TooManyConnectionsError();
    }
  });
}
