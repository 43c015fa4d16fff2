import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { defineOperation } from "@tessera/contracts";
import { type PrivateNatsServer, startNatsServer } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { busNames, connectNats, createBus, OFFLOAD_THRESHOLD_BYTES, PAYLOAD_BUCKET } from "../src/index.ts";
import { captureLogger } from "./support.ts";

const echo = defineOperation({
  service: "memory",
  name: "replicas.echo",
  request: z.object({ text: z.string() }),
  response: z.object({ length: z.number().int() }),
});
const large = { text: "x".repeat(OFFLOAD_THRESHOLD_BYTES * 2) };
const ctx = { requestId: "req-replicas-1" };

// A server of its own: one server keeps one copy only and refuses more, which shows the number asked
// for reaches JetStream, and the shared test server's streams stay as they are.
describe("streamReplicas", () => {
  const logger = captureLogger();
  let server: PrivateNatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer({ args: ["-js"] });
    nc = await connectNats({ servers: server.url, name: "replicas-test", logger });
  });

  afterAll(async () => {
    await nc?.close();
    await server?.stop();
  });

  it("creates the streams, KV buckets and the payload store with one copy by default", async () => {
    const bus = createBus(nc, { service: "memory", logger });
    await bus.provision();
    await bus.kv("defaults");
    bus.serve(echo, async (request) => ({ length: request.text.length }));
    await expect(bus.request(echo, large, ctx, { timeoutMs: 20_000 })).resolves.toEqual({
      length: large.text.length,
    });
    const jsm = await jetstreamManager(nc);
    const streams = [
      "EVT_MEMORY",
      "JOBS",
      "DLQ",
      "KV_defaults",
      `OBJ_${busNames("").objectBucket(PAYLOAD_BUCKET)}`,
    ];
    for (const stream of streams) {
      expect((await jsm.streams.info(stream)).config.num_replicas, stream).toBe(1);
    }
    await bus.drain();
  });

  it("asks JetStream for the configured number of copies of each stream, bucket and store", async () => {
    // Its own namespace: the buckets above exist already, and an existing bucket is only opened.
    const bus = createBus(nc, { service: "user", namespace: "three", logger, streamReplicas: 3 });
    await expect(bus.provision()).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/replicas/i) },
    });
    await expect(bus.kv("three")).rejects.toThrow(/replicas/i);
    await expect(bus.request(echo, large, ctx, { timeoutMs: 20_000 })).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/replicas/i) },
    });
    const jsm = await jetstreamManager(nc);
    await expect(jsm.streams.info("THREE_EVT_USER")).rejects.toThrow(/not found/i);
  });

  it("refuses a number of copies JetStream does not offer", () => {
    for (const streamReplicas of [0, 6, 1.5]) {
      expect(() => createBus(nc, { service: "user", logger, streamReplicas })).toThrow(/1 to 5/);
    }
  });
});
