import { connect as connectTcp } from "node:net";
import { ProblemSchema } from "@tessera/contracts";
import type { FastifyInstance } from "fastify";
import { expect } from "vitest";

/** A TCP connection to the gateway that writes and reads raw bytes, as a hostile or slow client would. */
export interface RawConnection {
  write(text: string): void;
  /** Everything the server sent so far, as latin1 text (headers are ASCII, bodies here are JSON). */
  received(): string;
  /** Whether the server has closed (or reset) the connection. */
  isClosed(): boolean;
  /** Resolves once the connection is closed; rejects if that takes longer than `withinMs`. */
  closedWithin(withinMs: number): Promise<void>;
  /** Resolves once `received()` holds `count` complete responses; rejects after `withinMs`. */
  responses(count: number, withinMs: number): Promise<RawResponse[]>;
  destroy(): void;
}

export interface RawResponse {
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Starts `app` on an ephemeral loopback port and returns that port. */
export async function listenOnLoopback(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("the gateway has no TCP address");
  return address.port;
}

/** Polls `condition` until it holds; fails after `withinMs`. */
export async function until(condition: () => boolean, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Complete HTTP/1.1 responses (each framed by its Content-Length) at the start of `text`. */
export function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) return responses;
    const [statusLine = "", ...lines] = rest.slice(0, end).split("\r\n");
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? "0");
    if (rest.length < end + 4 + length) return responses;
    const body = rest.slice(end + 4, end + 4 + length);
    responses.push({ status: Number(statusLine.split(" ")[1]), headers, body });
    rest = rest.slice(end + 4 + length);
  }
}

export async function connectRaw(port: number): Promise<RawConnection> {
  const socket = connectTcp({ port, host: "127.0.0.1" });
  let received = "";
  let closed = false;
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  // A reset after the server's last bytes is an ordinary way for a refused client to end.
  socket.on("error", () => {});
  socket.on("close", () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return {
    write: (text) => void socket.write(text, "latin1"),
    received: () => received,
    isClosed: () => closed,
    closedWithin: (withinMs) => until(() => closed, withinMs, "the server closing the connection"),
    async responses(count, withinMs) {
      await until(() => parseResponses(received).length >= count, withinMs, `${count} responses arriving`);
      return parseResponses(received);
    },
    destroy: () => socket.destroy(),
  };
}

/**
 * Checks what every problem the gateway sends shares: problem+json, the request id in header and
 * body, no URL in `instance`, the security headers; returns the problem.
 */
export function expectProblem(response: RawResponse | undefined, status: number, code: string) {
  if (response === undefined) throw new Error(`expected a ${status} ${code} response, got none`);
  expect(response.status).toBe(status);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(JSON.parse(response.body));
  expect(problem).toMatchObject({ status, code, requestId: response.headers["x-request-id"] });
  expect(response.headers["x-request-id"]).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
  expect(response.headers["x-content-type-options"]).toBe("nosniff");
  expect(response.headers["x-api-version"]).toBe("1");
  return problem;
}

/** An `inject` response in the shape `expectProblem` reads. */
export function fromInject(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}): RawResponse {
  const headers = Object.fromEntries(
    Object.entries(response.headers).map(([name, value]) => [name, String(value)]),
  );
  return { status: response.statusCode, headers, body: response.body };
}
