import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { MethodNotAllowedError, problemFromError, RouteNotFoundError } from "@tessera/contracts";
import type { Logger } from "./logger.ts";
import type { Metrics } from "./metrics.ts";
import type { Readiness } from "./readiness.ts";

export interface OpsServerOptions {
  /** 0 takes any free port (tests); `port` on the result says which. */
  port: number;
  /** @default "127.0.0.1" */
  host?: string;
  readiness: Readiness;
  metrics: Metrics;
  logger: Logger;
}

export interface OpsServer {
  /** The port it listens on. */
  readonly port: number;
  close(): Promise<void>;
}

/** Paths of the ops server; Kubernetes probes and Prometheus use them (deploy/generate.ts). */
export const OPS_PATHS = { live: "/livez", ready: "/readyz", metrics: "/metrics" } as const;

/**
 * The replica's own ops endpoints, apart from any public port: `/livez` (the process answers),
 * `/readyz` (its readiness checks, 503 with what failed) and `/metrics` (Prometheus text). A probe
 * reaches this replica, never a sibling, so one stuck replica is the one taken out of rotation.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((request, response) => {
    answer(request, response, options).catch((error: unknown) => {
      options.logger.error({ err: error, path: request.url }, "ops request failed");
      if (response.headersSent) response.destroy();
      else sendProblem(response, error, "/");
    });
  });
  // Probes and scrapes are short; an idle connection is not kept.
  server.keepAliveTimeout = 1_000;
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.listen(options.port, options.host ?? "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the ops server has no TCP port");
  options.logger.info({ port: address.port }, "ops server listening");
  return { port: address.port, close: () => closeServer(server) };
}

async function answer(request: IncomingMessage, response: ServerResponse, options: OpsServerOptions) {
  const path = new URL(request.url ?? "/", "http://ops").pathname;
  const method = request.method ?? "GET";
  const known = Object.values(OPS_PATHS).some((candidate) => candidate === path);
  if (!known) return sendProblem(response, new RouteNotFoundError(method), "/");
  if (method !== "GET" && method !== "HEAD") {
    response.setHeader("allow", "GET, HEAD");
    return sendProblem(response, new MethodNotAllowedError(method, path, ["GET", "HEAD"]), path);
  }
  if (path === OPS_PATHS.live) return send(response, 200, { status: "ok" });
  if (path === OPS_PATHS.ready) {
    const { ready, checks } = await options.readiness.run();
    return send(response, ready ? 200 : 503, { status: ready ? "ok" : "unavailable", checks });
  }
  const text = await options.metrics.render();
  response.writeHead(200, { "content-type": options.metrics.contentType, "cache-control": "no-store" });
  response.end(request.method === "HEAD" ? undefined : text);
}

function send(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(JSON.stringify(body));
}

function sendProblem(response: ServerResponse, error: unknown, instance: string): void {
  const problem = problemFromError(error, { instance, requestId: randomUUID() });
  response.writeHead(problem.status, {
    "content-type": "application/problem+json",
    "cache-control": "no-store",
  });
  response.end(JSON.stringify(problem));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
