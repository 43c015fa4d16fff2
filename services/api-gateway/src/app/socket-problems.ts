import { randomUUID } from "node:crypto";
import { ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import {
  API_VERSION,
  BadRequestError,
  HEADER,
  HeadersTooLargeError,
  PayloadTooLargeError,
  problemFromError,
  RequestTimeoutError,
  type TesseraError,
} from "@tessera/contracts";
import type { FastifyBaseLogger } from "fastify";
import { API_CSP, SECURITY_HEADERS } from "./edge.ts";
import { PROBLEM_CONTENT_TYPE, requestInstance } from "./problems.ts";

/**
 * A complete HTTP/1.1 response carrying `error` as problem+json, for failures Node meets before
 * there is a request object (parse errors, time-outs). It closes the connection and quotes nothing
 * of what the client sent.
 */
export function rawProblemResponse(error: TesseraError, requestId: string): Buffer {
  const problem = problemFromError(error, { instance: requestInstance(requestId), requestId });
  const body = JSON.stringify(problem);
  const headers: Record<string, string> = {
    date: new Date().toUTCString(),
    "content-type": PROBLEM_CONTENT_TYPE,
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
    "cache-control": "no-store",
    [HEADER.requestId]: requestId,
    [HEADER.apiVersion]: API_VERSION,
    ...SECURITY_HEADERS,
    "content-security-policy": API_CSP,
  };
  const statusLine = `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? "Error"}`;
  const head = [statusLine, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return Buffer.from(`${head.join("\r\n")}\r\n\r\n${body}`, "utf8");
}

/** Node's parse and time-out errors as Tessera errors (the statuses Node itself would answer). */
export function clientErrorAsTesseraError(error: Error & { code?: string }): TesseraError {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return new HeadersTooLargeError({ cause: error });
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new RequestTimeoutError({ cause: error });
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new PayloadTooLargeError({ cause: error });
    default:
      return new BadRequestError("The request is not valid HTTP/1.1.", { cause: error });
  }
}

/** Whether a response on this socket has begun, so raw bytes would corrupt it (Node's own test). */
function responseStarted(socket: Duplex): boolean {
  const current: unknown = Reflect.get(socket, "_httpMessage");
  return current instanceof ServerResponse && current.headersSent;
}

/** Writes `error` as the connection's last response, then closes it; a fresh id names it in the log. */
export function answerOnSocket(socket: Duplex, error: TesseraError, logger: FastifyBaseLogger): void {
  const requestId = randomUUID();
  logger.info(
    { requestId, code: error.code, status: error.status, reason: errorCodeOf(error.cause) },
    "client error",
  );
  if (!socket.writable || responseStarted(socket)) {
    socket.destroy();
    return;
  }
  socket.end(rawProblemResponse(error, requestId), () => socket.destroy());
}

function errorCodeOf(cause: unknown): string | undefined {
  if (typeof cause !== "object" || cause === null || !("code" in cause)) return undefined;
  return typeof cause.code === "string" ? cause.code : undefined;
}

/** Fastify's `clientErrorHandler`: what Node's HTTP server would answer, as problem+json. */
export function clientErrorHandler(
  logger: FastifyBaseLogger,
): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    // A reset connection has no one left to answer.
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    answerOnSocket(socket, clientErrorAsTesseraError(error), logger);
  };
}
