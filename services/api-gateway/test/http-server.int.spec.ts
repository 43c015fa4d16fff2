import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/platform.ts";
import {
  connectRaw,
  expectProblem,
  listenOnLoopback,
  type RawConnection,
  type RawResponse,
  until,
} from "./support/raw-http.ts";
import { gatewayRoutes, neverAnswers } from "./support/test-routes.ts";

// Real sockets against a listening gateway: these answers come from Node's HTTP server, which
// `inject` never reaches. Deadlines are generous; each behaviour, when missing, takes a minute or never.

const namespace = testNamespace("gwhttp");
let harness: Harness;
let slowPort: number;
const open: RawConnection[] = [];

/** A marker that must never come back: the gateway does not reflect the request. */
const MARKER = "reflected-marker-7f3a";

beforeAll(async () => {
  harness = await startHarness(namespace, gatewayRoutes);
  const slow = await harness.gateway({
    HTTP_HEADERS_TIMEOUT_MS: "500",
    HTTP_REQUEST_TIMEOUT_MS: "800",
    HTTP_KEEP_ALIVE_TIMEOUT_MS: "300",
  });
  slowPort = await listenOnLoopback(slow);
});

afterAll(async () => {
  for (const connection of open) connection.destroy();
  await harness?.close();
});

async function connect(port = slowPort): Promise<RawConnection> {
  const connection = await connectRaw(port);
  open.push(connection);
  return connection;
}

/** Sends `request` on a new connection; returns the one response, after the server closed. */
async function onlyResponse(request: string): Promise<RawResponse | undefined> {
  const connection = await connect();
  connection.write(request);
  const [response] = await connection.responses(1, 5_000);
  await connection.closedWithin(5_000);
  expect(connection.received()).not.toContain(MARKER);
  return response;
}

describe("answers Node's HTTP server gives on its own, as problem+json", () => {
  it("answers headers over Node's size limit with 431 request.headers_too_large and closes", async () => {
    const response = await onlyResponse(
      // Just over Node's 16 KiB, sent at once, so the server has read it all when it answers.
      `GET /health HTTP/1.1\r\nHost: x\r\nX-${MARKER}: ${"a".repeat(17_000)}\r\n\r\n`,
    );
    const problem = expectProblem(response, 431, "request.headers_too_large");
    expect(problem.instance).toBe(`urn:tessera:request:${problem.requestId}`);
    expect(response?.headers.connection).toBe("close");
  });

  it("answers a request line that is not HTTP with 400 request.invalid", async () => {
    const response = await onlyResponse(`GET /${MARKER} HTTP/9.7 junk\r\n\r\n`);
    expectProblem(response, 400, "request.invalid");
  });

  it("answers an HTTP/1.1 request without Host with 400 request.invalid", async () => {
    const response = await onlyResponse(`GET /health?${MARKER} HTTP/1.1\r\nConnection: close\r\n\r\n`);
    expectProblem(response, 400, "request.invalid");
  });

  it("answers an Expect other than 100-continue with 417 request.expectation_failed", async () => {
    const response = await onlyResponse(
      `GET /health HTTP/1.1\r\nHost: x\r\nExpect: ${MARKER}\r\nConnection: close\r\n\r\n`,
    );
    expectProblem(response, 417, "request.expectation_failed");
  });

  it("answers CONNECT with 400 request.invalid instead of dropping the connection", async () => {
    const response = await onlyResponse(
      `CONNECT ${MARKER}.example:443 HTTP/1.1\r\nHost: ${MARKER}.example\r\n\r\n`,
    );
    expectProblem(response, 400, "request.invalid");
  });
});

describe("slow clients", () => {
  it("drops a client that sends its headers byte by byte within the headers time-out", async () => {
    const connection = await connect();
    const drip = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ".concat("a".repeat(10_000));
    let sent = 0;
    const timer = setInterval(() => {
      if (!connection.isClosed()) connection.write(drip[sent++ % drip.length] ?? "a");
    }, 25);
    try {
      await connection.closedWithin(8_000);
    } finally {
      clearInterval(timer);
    }
  });

  it("answers headers that stop arriving with 408 request.timeout and closes", async () => {
    const connection = await connect();
    connection.write(`GET /health?${MARKER} HTTP/1.1\r\nHost: x\r\n`);
    const [response] = await connection.responses(1, 8_000);
    await connection.closedWithin(5_000);
    const problem = expectProblem(response, 408, "request.timeout");
    expect(problem.instance).toMatch(/^urn:tessera:request:/);
    expect(connection.received()).not.toContain(MARKER);
  });

  it("answers a body shorter than its Content-Length with 408 request.timeout and closes", async () => {
    const connection = await connect();
    connection.write(
      'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"email":',
    );
    const [response] = await connection.responses(1, 8_000);
    await connection.closedWithin(5_000);
    expectProblem(response, 408, "request.timeout");
  });

  it("closes an idle keep-alive connection after the keep-alive time-out", async () => {
    const connection = await connect();
    connection.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    const [response] = await connection.responses(1, 5_000);
    expect(response?.status).toBe(200);
    expect(response?.headers.connection).toBe("keep-alive");
    // 300 ms plus the second of grace Node adds.
    await connection.closedWithin(8_000);
  });
});

describe("connections per address", () => {
  let port: number;

  beforeAll(async () => {
    const capped = await harness.gateway({
      HTTP_MAX_CONNECTIONS_PER_ADDRESS: "3",
      HTTP_KEEP_ALIVE_TIMEOUT_MS: "60000",
    });
    port = await listenOnLoopback(capped);
  });

  async function health(connection: RawConnection, count: number) {
    connection.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    return (await connection.responses(count, 5_000))[count - 1];
  }

  it("refuses the connection past the cap with 429 rate_limit.connections, and admits one when another closes", async () => {
    const admitted = await Promise.all([connect(port), connect(port), connect(port)]);
    for (const connection of admitted) expect((await health(connection, 1))?.status).toBe(200);

    const extra = await connect(port);
    const refused = await health(extra, 1);
    expectProblem(refused, 429, "rate_limit.connections");
    expect(refused?.headers.connection).toBe("close");
    await extra.closedWithin(5_000);

    // The admitted ones keep being served.
    expect((await health(admitted[0]!, 2))?.status).toBe(200);

    // The server notices the close a moment later; until then a newcomer is still refused.
    admitted[2]?.destroy();
    let status = 0;
    const deadline = Date.now() + 5_000;
    while (status !== 200 && Date.now() < deadline) {
      const next = await connect(port);
      status = (await health(next, 1))?.status ?? 0;
      if (status !== 200) await next.closedWithin(5_000);
    }
    expect(status).toBe(200);
  });
});

describe("closing", () => {
  it("answers a request that arrives while the gateway closes with 503 gateway.shutting_down", async () => {
    const closing = await harness.gateway();
    const port = await listenOnLoopback(closing);
    const seen = harness.nc.subscribe(`${namespace}.${neverAnswers.subject}`, { max: 1 });
    const arrived = (async () => {
      for await (const _message of seen) return;
    })();
    const connection = await connect(port);
    connection.write("GET /v1/test/never HTTP/1.1\r\nHost: x\r\n\r\n");
    await arrived;

    const closed = closing.close();
    await until(() => !closing.server.listening, 5_000, "the gateway to stop listening");
    connection.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    const [inFlight, late] = await connection.responses(2, 5_000);
    await closed;
    expect(inFlight?.status).toBe(504);
    expectProblem(late, 503, "gateway.shutting_down");
    expect(late?.headers.connection).toBe("close");
  });
});
