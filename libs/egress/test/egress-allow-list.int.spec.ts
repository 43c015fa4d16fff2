import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createEgressClient,
  EgressConnectionError,
  EgressRefusedError,
  parseEgressAllowList,
} from "../src/index.ts";
import {
  type LoopbackServer,
  rejection,
  startHttpServer,
  startTcpServer,
  stubLookup,
  watchConnectionAttempts,
} from "./support/loopback.ts";

let server: LoopbackServer;
let watch: ReturnType<typeof watchConnectionAttempts>;

beforeEach(async () => {
  server = await startHttpServer((_request, response) => response.end("reached"));
  watch = watchConnectionAttempts();
});
afterEach(async () => {
  watch.stop();
  await server.close();
});

const allowing = (text: string, lookup?: ReturnType<typeof stubLookup>) =>
  createEgressClient({ allow: parseEgressAllowList(text), ...(lookup ? { lookup: lookup.lookup } : {}) });

describe("EGRESS_ALLOW_HOSTS lets an operator reach a self-hosted target", () => {
  it("reaches a loopback server when it names 127.0.0.1:<port>, and only at that address", async () => {
    const client = allowing(`127.0.0.1:${server.port}`);
    const response = await client.request({ url: `${server.url}/status` });
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe("reached");
    await rejection(client.request({ url: `http://127.0.0.2:${server.port}/` }), EgressRefusedError);
    await rejection(client.request({ url: `http://[::1]:${server.port}/` }), EgressRefusedError);
    expect(server.connections()).toBe(1);
    expect(watch.attempts).toEqual([`127.0.0.1:${server.port}`]);
  });

  it("reaches it when it names 127.0.0.0/8, which does not cover IPv6 loopback", async () => {
    const client = allowing("10.0.0.0/8, 127.0.0.0/8");
    const response = await client.request({ url: `${server.url}/` });
    expect(response.body.toString()).toBe("reached");
    await rejection(client.request({ url: `http://[::1]:${server.port}/` }), EgressRefusedError);
    expect(server.connections()).toBe(1);
    expect(watch.attempts).toEqual([`127.0.0.1:${server.port}`]);
  });

  it("still refuses the same address on a port the entry does not name", async () => {
    const otherPort = server.port === 65_535 ? server.port - 1 : server.port + 1;
    await rejection(
      allowing(`127.0.0.1:${otherPort}`).request({ url: `${server.url}/` }),
      EgressRefusedError,
    );
    expect(server.connections()).toBe(0);
    expect(watch.attempts).toEqual([]);
  });

  it("does not let an IPv4 entry cover the same address written as IPv4-mapped IPv6", async () => {
    const client = allowing(`127.0.0.1:${server.port}`);
    await rejection(client.request({ url: `http://[::ffff:127.0.0.1]:${server.port}/` }), EgressRefusedError);
    expect(server.connections()).toBe(0);
  });

  it("lets a host name entry reach what that name resolves to, but not the address written directly", async () => {
    const resolver = stubLookup({ "chatwoot.internal": ["127.0.0.1"] });
    const client = allowing(`chatwoot.internal:${server.port}`, resolver);
    const response = await client.request({ url: `http://chatwoot.internal:${server.port}/api` });
    expect(response.body.toString()).toBe("reached");
    await rejection(client.request({ url: `${server.url}/api` }), EgressRefusedError);
    expect(server.connections()).toBe(1);
  });

  it("applies a CIDR entry to the address a host name resolves to, checked once on the socket's answer", async () => {
    const resolver = stubLookup({ "chatwoot.internal": ["127.0.0.1"], "other.internal": ["10.0.0.1"] });
    const client = allowing("127.0.0.0/8", resolver);
    const response = await client.request({ url: `http://chatwoot.internal:${server.port}/` });
    expect(response.body.toString()).toBe("reached");
    expect(resolver.calls).toEqual(["chatwoot.internal"]);
    await rejection(client.request({ url: `http://other.internal:${server.port}/` }), EgressRefusedError);
    expect(watch.attempts).toEqual([`127.0.0.1:${server.port}`]);
  });

  it("refuses an answer mixing an allowed address with one that is not", async () => {
    const resolver = stubLookup({ "chatwoot.internal": ["127.0.0.1", "10.0.0.1"] });
    const client = allowing("127.0.0.0/8", resolver);
    await rejection(client.request({ url: `http://chatwoot.internal:${server.port}/` }), EgressRefusedError);
    expect(server.connections()).toBe(0);
    expect(watch.attempts).toEqual([]);
  });

  it("connects to an allowed https target (a failed TLS handshake is then a connection error)", async () => {
    const plain = await startTcpServer((socket) => socket.end("not TLS\r\n"));
    try {
      const client = allowing(`127.0.0.1:${plain.port}`);
      const error = await rejection(
        client.request({ url: `https://127.0.0.1:${plain.port}/` }),
        EgressConnectionError,
      );
      expect(error.code).toBe("egress.connection_failed");
      await rejection(client.request({ url: `https://127.0.0.2:${plain.port}/` }), EgressRefusedError);
      expect(plain.connections()).toBe(1);
    } finally {
      await plain.close();
    }
  });
});
