import { afterEach, describe, expect, it } from "vitest";
import {
  createEgressClient,
  type EgressClientOptions,
  EgressConnectionError,
  EgressResponseTooLargeError,
  EgressTimeoutError,
  parseEgressAllowList,
} from "../src/index.ts";
import {
  type LoopbackServer,
  rejection,
  silentLookup,
  startHttpServer,
  startTcpServer,
  unusedPort,
} from "./support/loopback.ts";

const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serving(start: Promise<LoopbackServer>): Promise<LoopbackServer> {
  const server = await start;
  servers.push(server);
  return server;
}

const loopbackClient = (options: EgressClientOptions = {}) =>
  createEgressClient({ allow: parseEgressAllowList("127.0.0.1"), ...options });

async function until(condition: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("one exchange", () => {
  it("sends the method, headers and body, and returns the status, headers and body", async () => {
    const server = await serving(
      startHttpServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          response.setHeader("x-reply", "yes");
          response.statusCode = 201;
          response.end(
            JSON.stringify({
              method: request.method,
              path: request.url,
              userAgent: request.headers["user-agent"],
              signature: request.headers["webhook-signature"],
              body: Buffer.concat(chunks).toString(),
            }),
          );
        });
      }),
    );
    const response = await loopbackClient({ userAgent: "tessera-test" }).request({
      method: "POST",
      url: `${server.url}/hooks/1?x=2#fragment`,
      headers: { "content-type": "application/json", "webhook-signature": "v1,abc" },
      body: '{"é":1}',
    });
    expect(response.status).toBe(201);
    expect(response.headers["x-reply"]).toBe("yes");
    expect(JSON.parse(response.body.toString())).toEqual({
      method: "POST",
      path: "/hooks/1?x=2",
      userAgent: "tessera-test",
      signature: "v1,abc",
      body: '{"é":1}',
    });
  });

  it("returns a redirect as it is: the 302 comes back and its target is never asked for", async () => {
    const server = await serving(
      startHttpServer((request, response) => {
        if (request.url === "/first") response.writeHead(302, { location: "/second" }).end();
        else response.end("followed");
      }),
    );
    const response = await loopbackClient().request({ url: `${server.url}/first` });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe("/second");
    expect(server.paths).toEqual(["/first"]);
  });
});

describe("time-outs", () => {
  it("gives up with the connect time-out while the host name does not resolve", async () => {
    const client = createEgressClient({
      allow: parseEgressAllowList("silent-dns.example"),
      lookup: silentLookup,
      connectTimeoutMs: 300,
      totalTimeoutMs: 20_000,
    });
    const error = await rejection(client.request({ url: "http://silent-dns.example/" }), EgressTimeoutError);
    expect(error).toMatchObject({ code: "egress.timeout", phase: "connect", status: 504 });
  });

  it("gives up with the total time-out when a server accepts and never answers", async () => {
    const server = await serving(startTcpServer(() => {}));
    const client = loopbackClient({ connectTimeoutMs: 1_000, totalTimeoutMs: 2_500 });
    const error = await rejection(client.request({ url: `${server.url}/` }), EgressTimeoutError);
    expect(error.phase).toBe("total");
    expect(server.connections()).toBe(1);
  });

  it("gives up with the total time-out on a server that trickles its response", async () => {
    let sent = 0;
    const server = await serving(
      startHttpServer((_request, response) => {
        response.writeHead(200, { "content-type": "text/plain" });
        const drip = setInterval(() => {
          sent += 1;
          response.write("x");
        }, 50);
        response.on("close", () => clearInterval(drip));
      }),
    );
    const client = loopbackClient({ totalTimeoutMs: 1_500 });
    const error = await rejection(client.request({ url: `${server.url}/` }), EgressTimeoutError);
    expect(error.phase).toBe("total");
    expect(sent).toBeGreaterThan(0);
  });

  it("gives up with the total time-out on a server that trickles its status line", async () => {
    const server = await serving(
      startTcpServer((socket) => {
        const line = "HTTP/1.1 200 OK\r\nx-slow: ".split("");
        const drip = setInterval(() => socket.write(line.shift() ?? "y"), 50);
        socket.on("close", () => clearInterval(drip));
      }),
    );
    const client = loopbackClient({ totalTimeoutMs: 1_500 });
    const error = await rejection(client.request({ url: `${server.url}/` }), EgressTimeoutError);
    expect(error.phase).toBe("total");
  });

  it("rejects with the caller's reason when its signal aborts, and closes the connection", async () => {
    let closed = false;
    const server = await serving(
      startTcpServer((socket) => {
        socket.resume(); // read, so the client's FIN is seen
        socket.on("close", () => (closed = true));
      }),
    );
    const controller = new AbortController();
    const pending = loopbackClient().request({ url: `${server.url}/`, signal: controller.signal });
    await until(() => server.connections() === 1, "the connection");
    const reason = new Error("worker stopping");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await until(() => closed, "the server to see the connection close");
  });
});

describe("failures", () => {
  it("reports a port with nothing listening as a typed connection error", async () => {
    const port = await unusedPort();
    const error = await rejection(
      loopbackClient().request({ url: `http://127.0.0.1:${port}/` }),
      EgressConnectionError,
    );
    expect(error).toMatchObject({ code: "egress.connection_failed", status: 502 });
    expect(error.message).toBe("The target refused the connection.");
  });

  it("cuts a streamed response that grows past the size limit", async () => {
    let written = 0;
    const server = await serving(
      startHttpServer((_request, response) => {
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = (): void => {
          while (written < 4 * 1024 * 1024) {
            written += chunk.length;
            if (!response.write(chunk)) return void response.once("drain", pump);
          }
          response.end();
        };
        response.on("error", () => {});
        pump();
      }),
    );
    const client = loopbackClient({ maxResponseBytes: 1024 * 1024 });
    const error = await rejection(client.request({ url: `${server.url}/` }), EgressResponseTooLargeError);
    expect(error).toMatchObject({ code: "egress.response_too_large", limitBytes: 1024 * 1024 });
  });

  it("returns a response exactly at the size limit whole", async () => {
    const server = await serving(
      startHttpServer((_request, response) => response.end(Buffer.alloc(1000, 0x62))),
    );
    const response = await loopbackClient({ maxResponseBytes: 1000 }).request({ url: `${server.url}/` });
    expect(response.body.length).toBe(1000);
  });

  it("refuses a declared Content-Length over the limit without waiting for the body", async () => {
    const server = await serving(
      startHttpServer((_request, response) => {
        response.writeHead(200, { "content-length": String(2 * 1024 * 1024) });
        response.write("x");
      }),
    );
    const client = loopbackClient({ maxResponseBytes: 1024 * 1024, totalTimeoutMs: 20_000 });
    await rejection(client.request({ url: `${server.url}/` }), EgressResponseTooLargeError);
  });
});
