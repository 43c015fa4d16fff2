import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEgressClient, EgressRefusedError } from "../src/index.ts";
import {
  type LoopbackServer,
  rejection,
  startHttpServer,
  stubLookup,
  watchConnectionAttempts,
} from "./support/loopback.ts";

// Nothing here is ever connected: a refusal must come from the address check, and the watcher
// proves no socket so much as attempted a connection (so no packet was addressed anywhere).

let server: LoopbackServer;
let watch: ReturnType<typeof watchConnectionAttempts>;

beforeAll(async () => {
  server = await startHttpServer((_request, response) => response.end("reached"));
});
afterAll(() => server.close());
beforeEach(() => {
  watch = watchConnectionAttempts();
});
afterEach(() => watch.stop());

const client = createEgressClient();

describe("a loopback server, in every spelling of its address", () => {
  it.each([
    "127.0.0.1",
    "127.0.0.2",
    "2130706433",
    "0177.0.0.1",
    "0x7f.1",
    "0x7f000001",
    "127.1",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "0.0.0.0",
    "0",
    "[::]",
    "localhost",
  ])("is refused at http://%s:<port>, and the server sees no connection", async (host) => {
    const error = await rejection(
      client.request({ url: `http://${host}:${server.port}/` }),
      EgressRefusedError,
    );
    expect(error).toMatchObject({ code: "egress.refused", status: 422, reason: "address" });
    expect(server.connections()).toBe(0);
    expect(watch.attempts).toEqual([]);
  });

  it.each(["127.0.0.1", "localhost"])("is refused over https too (%s)", async (host) => {
    await rejection(client.request({ url: `https://${host}:${server.port}/` }), EgressRefusedError);
    expect(server.connections()).toBe(0);
    expect(watch.attempts).toEqual([]);
  });
});

describe("an address that is not public, written in the URL", () => {
  it.each([
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "0xa9.0xfe.0xa9.0xfe",
    "2852039166",
    "0251.0376.0251.0376",
    "169.254.43518",
    "168.63.129.16",
    "100.64.0.1",
    "100.100.100.200",
    "224.0.0.1",
    "239.255.255.250",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "240.0.0.1",
    "[fd00::1]",
    "[fd00:ec2::254]",
    "[fc00::1]",
    "[fe80::1]",
    "[ff02::1]",
    "[ff05::1:3]",
    "[::ffff:a9fe:a9fe]",
    "[::ffff:10.0.0.1]",
    "[::169.254.169.254]",
    "[::a00:1]",
    "[64:ff9b::a9fe:a9fe]",
    "[2002:a9fe:a9fe::1]",
  ])("is refused at http://%s/ with no connection attempt", async (host) => {
    const error = await rejection(
      client.request({ url: `http://${host}/latest/meta-data/` }),
      EgressRefusedError,
    );
    expect(error.reason).toBe("address");
    expect(watch.attempts).toEqual([]);
  });

  it("is refused over https with no connection attempt", async () => {
    await rejection(client.request({ url: "https://169.254.169.254/" }), EgressRefusedError);
    expect(watch.attempts).toEqual([]);
  });
});

describe("a host name that resolves inside (DNS rebinding)", () => {
  it.each([
    "127.0.0.1",
    "10.0.0.1",
    "169.254.169.254",
    "168.63.129.16",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "0.0.0.0",
    "::1",
    "::",
    "fd00::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::7f00:1",
    "::a00:1",
    "64:ff9b::a00:1",
  ])("is refused on the socket's own answer (%s), with no connection attempt", async (address) => {
    const resolver = stubLookup({ "tenant-target.example": [address] });
    const guarded = createEgressClient({ lookup: resolver.lookup });
    const error = await rejection(
      guarded.request({ url: "http://tenant-target.example/hook" }),
      EgressRefusedError,
    );
    expect(resolver.calls).toEqual(["tenant-target.example"]);
    expect(watch.attempts).toEqual([]);
    expect(error.message).not.toContain(address);
    expect(error.message).not.toContain("tenant-target");
  });

  it("is refused as a whole when one of its addresses is private, the public one not tried", async () => {
    const resolver = stubLookup({ "mixed.example": ["93.184.216.34", "10.0.0.1"] });
    const guarded = createEgressClient({ lookup: resolver.lookup });
    await rejection(guarded.request({ url: "https://mixed.example/" }), EgressRefusedError);
    expect(resolver.calls).toEqual(["mixed.example"]);
    expect(watch.attempts).toEqual([]);
  });
});

describe("a URL the guard does not send to", () => {
  it.each([
    ["ftp://files.example/", "scheme"],
    ["file:///etc/passwd", "scheme"],
    ["gopher://files.example:70/", "scheme"],
    ["data:text/plain,hello", "scheme"],
    ["http://user:secret@public.example/", "credentials"],
    ["https://token@public.example/", "credentials"],
    ["/relative/path", "invalid_url"],
    ["not a url", "invalid_url"],
  ])("%s is refused (%s) before any name is resolved", async (url, reason) => {
    const resolver = stubLookup({ "files.example": ["93.184.216.34"], "public.example": ["93.184.216.34"] });
    const guarded = createEgressClient({ lookup: resolver.lookup });
    const error = await rejection(guarded.request({ url }), EgressRefusedError);
    expect(error.reason).toBe(reason);
    expect(resolver.calls).toEqual([]);
    expect(watch.attempts).toEqual([]);
  });
});
