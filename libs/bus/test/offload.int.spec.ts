import { jetstreamManager } from "@nats-io/jetstream";
import { type Msg, type NatsConnection, nanos, headers as natsHeaders } from "@nats-io/nats-core";
import { Objm } from "@nats-io/obj";
import { defineOperation, type MessageContext, RemoteError } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Bus,
  busNames,
  createBus,
  OFFLOAD_THRESHOLD_BYTES,
  PAYLOAD_BUCKET,
  PAYLOAD_MAX_AGE_MS,
  PAYLOAD_REF_HEADER,
  PayloadMissingError,
} from "../src/index.ts";
import { captureLogger, connectTest, removeNamespace, waitFor } from "./support.ts";

const blob = defineOperation({
  service: "memory",
  name: "blob.echo",
  request: z.object({ text: z.string(), replyWith: z.string().optional() }),
  response: z.object({ receivedLength: z.number().int(), text: z.string() }),
});

const MiB = 1024 * 1024;
/** Over 3 MiB of UTF-8 with two-, three- and four-byte characters, so chunk edges fall inside them. */
const large = (seed: string) => `${seed}:${"é漢😀x".repeat(Math.ceil((3 * MiB) / 10))}`;
const ctx: MessageContext = { requestId: "req-offload-1" };
const LONG = { timeoutMs: 30_000 };

interface Seen {
  readonly bytes: number;
  readonly ref: string;
}
const seenOf = (msg: Msg): Seen => ({
  bytes: msg.data.length,
  ref: msg.headers?.get(PAYLOAD_REF_HEADER) ?? "",
});

describe("large payloads through the object store", () => {
  const namespace = testNamespace("off");
  const logger = captureLogger();
  const connections: NatsConnection[] = [];
  let server: Bus;
  let client: Bus;
  /** Every request on the operation's subject, as NATS carried it. */
  const requests: Seen[] = [];
  /** Every reply on any inbox that carried a reference. */
  const offloadedReplies: Seen[] = [];
  const bucketName = busNames(namespace).objectBucket(PAYLOAD_BUCKET);

  beforeAll(async () => {
    connections.push(await connectTest(), await connectTest(), await connectTest());
    const [serverNc, clientNc, spyNc] = connections as [NatsConnection, NatsConnection, NatsConnection];
    server = createBus(serverNc, { service: "memory", namespace, logger });
    client = createBus(clientNc, { service: "api-gateway", namespace, logger });
    server.serve(blob, async (request) => ({
      receivedLength: request.text.length,
      text: request.replyWith ?? request.text.slice(0, 16),
    }));
    spyNc.subscribe(`${namespace}.${blob.subject}`, {
      callback: (_err, msg) => void requests.push(seenOf(msg)),
    });
    spyNc.subscribe("_INBOX.>", {
      callback: (_err, msg) => {
        if (msg.headers?.has(PAYLOAD_REF_HEADER)) offloadedReplies.push(seenOf(msg));
      },
    });
    await Promise.all(connections.map((nc) => nc.flush()));
  });

  afterAll(async () => {
    await removeNamespace(connections[0]!, namespace);
    await Promise.all(connections.map((nc) => nc.close()));
  });

  async function storedObject(name: string) {
    return (await new Objm(connections[0]!).open(bucketName)).info(name);
  }

  it("sends a request over the threshold by reference and hands the handler the same JSON", async () => {
    const text = large("request");
    const before = requests.length;
    const reply = await client.request(blob, { text }, ctx, LONG);
    expect(reply.receivedLength).toBe(text.length);
    expect(reply.text).toBe(text.slice(0, 16));
    const sent = requests.slice(before);
    expect(sent).toEqual([{ bytes: 0, ref: expect.stringMatching(/^[0-9a-f-]{36}$/) }]);
  });

  it("sends a reply over the threshold by reference and hands the caller the same JSON", async () => {
    const replyWith = large("reply");
    const before = offloadedReplies.length;
    const reply = await client.request(blob, { text: "small", replyWith }, ctx, LONG);
    expect(reply.text).toBe(replyWith);
    const replies = await waitFor(() => {
      const seen = offloadedReplies.slice(before);
      return seen.length > 0 ? seen : undefined;
    });
    expect(replies).toEqual([{ bytes: 0, ref: expect.any(String) }]);
  });

  it("deletes each offloaded body once it is read, in a namespaced bucket that ages bodies out", async () => {
    const before = { requests: requests.length, replies: offloadedReplies.length };
    await client.request(blob, { text: large("both"), replyWith: large("back") }, ctx, LONG);
    const requestRef = requests[before.requests]?.ref ?? "";
    const replyRef = (await waitFor(() => offloadedReplies[before.replies]))?.ref ?? "";
    for (const ref of [requestRef, replyRef]) {
      // A delete marker is left where the object was: it existed, and it is gone.
      expect(await storedObject(ref)).toMatchObject({ name: ref, deleted: true, size: 0 });
    }
    const stream = await (await jetstreamManager(connections[0]!)).streams.info(`OBJ_${bucketName}`);
    expect(stream.config.max_age).toBe(nanos(PAYLOAD_MAX_AGE_MS));
  });

  it("sends bodies up to the threshold inline and only larger ones by reference", async () => {
    // JSON adds `{"text":""}` (11 bytes) around the text.
    const fits = "a".repeat(OFFLOAD_THRESHOLD_BYTES - 11);
    const over = "a".repeat(OFFLOAD_THRESHOLD_BYTES - 10);
    const before = requests.length;
    await client.request(blob, { text: fits }, ctx, LONG);
    await client.request(blob, { text: over }, ctx, LONG);
    expect(requests.slice(before)).toEqual([
      { bytes: OFFLOAD_THRESHOLD_BYTES, ref: "" },
      { bytes: 0, ref: expect.any(String) },
    ]);
  });

  it("creates the bucket again when it was removed after it was opened", async () => {
    await client.request(blob, { text: large("before") }, ctx, LONG);
    await (await jetstreamManager(connections[0]!)).streams.delete(`OBJ_${bucketName}`);
    const text = large("after");
    await expect(client.request(blob, { text }, ctx, LONG)).resolves.toMatchObject({
      receivedLength: text.length,
    });
  });

  it("answers bus.payload_missing when an offloaded request's body is gone", async () => {
    const hdrs = natsHeaders();
    hdrs.set(PAYLOAD_REF_HEADER, "00000000-0000-4000-8000-000000000000");
    const raw = await connections[1]!.request(`${namespace}.${blob.subject}`, new Uint8Array(0), {
      headers: hdrs,
      timeout: 10_000,
    });
    expect(raw.json()).toMatchObject({ ok: false, error: { code: "bus.payload_missing", status: 502 } });
  });

  it("throws PayloadMissingError when an offloaded reply's body is gone", async () => {
    const vanishing = defineOperation({
      service: "memory",
      name: "blob.vanishing",
      request: z.object({}),
      response: z.object({ text: z.string() }),
    });
    connections[0]!.subscribe(`${namespace}.${vanishing.subject}`, {
      callback: (_err, msg) => {
        const hdrs = natsHeaders();
        hdrs.set(PAYLOAD_REF_HEADER, "00000000-0000-4000-8000-000000000001");
        msg.respond(new Uint8Array(0), { headers: hdrs });
      },
    });
    await connections[0]!.flush();
    const error = await client.request(vanishing, {}, ctx, LONG).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PayloadMissingError);
    expect(error).toMatchObject({ code: "bus.payload_missing", status: 502 });
    expect(error).not.toBeInstanceOf(RemoteError);
  });
});
