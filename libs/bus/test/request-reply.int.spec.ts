import type { NatsConnection } from "@nats-io/nats-core";
import {
  ConflictError,
  defineOperation,
  type MessageContext,
  pingOperation,
  RemoteError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  ValidationError,
} from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Bus, createBus } from "../src/index.ts";
import { captureLogger, connectTest, deferred } from "./support.ts";

const echo = defineOperation({
  service: "memory",
  name: "echo",
  request: z.object({ text: z.string().min(1) }),
  response: z.object({ text: z.string(), seenBy: z.string() }),
});
const failing = defineOperation({
  service: "memory",
  name: "fail",
  request: z.object({ kind: z.enum(["conflict", "crash", "drift"]) }),
  response: z.object({ done: z.boolean() }),
});
const slow = defineOperation({
  service: "memory",
  name: "slow",
  request: z.object({}),
  response: z.object({ done: z.boolean() }),
});
const nobody = defineOperation({
  service: "memory",
  name: "nobody",
  request: z.object({}),
  response: z.object({}),
});

const ctx: MessageContext = {
  requestId: "req-rr-1",
  traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  actor: "user-42",
  projectId: "7b0e2c4a-4f6e-4d8a-9a51-3c1a0f1e2d3b",
  roles: ["owner", "member"],
};

describe("request/reply", () => {
  const namespace = testNamespace("rr");
  const logger = captureLogger();
  const connections: NatsConnection[] = [];
  let server: Bus;
  let client: Bus;
  const seen: MessageContext[] = [];
  const releaseSlow = deferred();

  beforeAll(async () => {
    connections.push(await connectTest(), await connectTest());
    server = createBus(connections[0]!, { service: "memory", namespace, logger });
    client = createBus(connections[1]!, { service: "api-gateway", namespace, logger });
    server.serve(echo, async (request, received) => {
      seen.push(received);
      return { text: request.text, seenBy: "replica-a" };
    });
    server.serve(failing, async (request) => {
      if (request.kind === "conflict") throw new ConflictError("memory.conflict", "Somebody else won.");
      if (request.kind === "crash") throw new Error("database password=hunter2 rejected");
      return { done: "yes" } as unknown as { done: boolean };
    });
    server.serve(slow, async () => {
      await releaseSlow.promise;
      return { done: true };
    });
    server.servePing(async () => true);
    await connections[0]!.flush();
  });

  afterAll(async () => {
    releaseSlow.resolve();
    await Promise.all(connections.map((nc) => nc.close()));
  });

  it("round-trips a request and carries the caller's context into the handler", async () => {
    await expect(client.request(echo, { text: "hello" }, ctx)).resolves.toEqual({
      text: "hello",
      seenBy: "replica-a",
    });
    expect(seen.at(-1)).toEqual(ctx);
  });

  it("answers ping with the service and its readiness", async () => {
    await expect(client.request(pingOperation("memory"), {}, ctx)).resolves.toEqual({
      service: "memory",
      ready: true,
    });
  });

  it("replies validation.failed to a request that breaks the schema", async () => {
    const raw = await connections[1]!.request(`${namespace}.svc.memory.echo`, JSON.stringify({ text: 3 }));
    const reply = raw.json<{ ok: boolean; error: { code: string; status: number; errors: unknown[] } }>();
    expect(reply.ok).toBe(false);
    expect(reply.error).toMatchObject({ code: "validation.failed", status: 400 });
    expect(reply.error.errors).toEqual([{ field: "text", message: expect.any(String) }]);
  });

  it("refuses to send a request that breaks the schema", async () => {
    await expect(client.request(echo, { text: "" }, ctx)).rejects.toBeInstanceOf(ValidationError);
  });

  it("rebuilds a remote TesseraError as a RemoteError with its code and status", async () => {
    const error = await client.request(failing, { kind: "conflict" }, ctx).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ code: "memory.conflict", status: 409, message: "Somebody else won." });
  });

  it("hides an unexpected error behind internal.error and logs it with the request id", async () => {
    const error = await client.request(failing, { kind: "crash" }, ctx).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: "internal.error", status: 500 });
    expect((error as Error).message).not.toContain("hunter2");
    const logged = logger.entries.find((e) => e.level === "error" && e.fields.requestId === ctx.requestId);
    expect(logged?.fields.err).toBeInstanceOf(Error);
  });

  it("turns a handler response that drifts from the contract into a 500", async () => {
    const error = await client.request(failing, { kind: "drift" }, ctx).catch((err: unknown) => err);
    expect(error).toMatchObject({ code: "internal.error", status: 500 });
    expect(logger.entries.some((e) => e.message === "handler response breaks the operation contract")).toBe(
      true,
    );
  });

  it("throws UpstreamTimeoutError when the service does not answer in time", async () => {
    const started = performance.now();
    const error = await client.request(slow, {}, ctx, { timeoutMs: 300 }).catch((err: unknown) => err);
    const elapsed = performance.now() - started;
    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(error).toMatchObject({ code: "upstream.timeout", status: 504 });
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1_500);
  });

  it("throws UpstreamUnavailableError when nobody serves the operation", async () => {
    const started = performance.now();
    const error = await client.request(nobody, {}, ctx, { timeoutMs: 5_000 }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error).toMatchObject({ code: "upstream.unavailable", status: 503 });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("fails a request in flight at once when its connection closes, not at its time-out", async () => {
    const closing = await connectTest();
    const caller = createBus(closing, { service: "api-gateway", namespace, logger });
    const started = performance.now();
    const pending = caller.request(slow, {}, ctx, { timeoutMs: 30_000 }).catch((err: unknown) => err);
    await closing.flush();
    await closing.close();
    expect(await pending).toMatchObject({ code: "upstream.unavailable", status: 503 });
    expect(performance.now() - started).toBeLessThan(5_000);
    // And one sent after the close fails the same way.
    await expect(caller.request(echo, { text: "late" }, ctx)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
  });

  it("keeps each reply with its own request when many are in flight at once", async () => {
    const texts = Array.from({ length: 200 }, (_unused, index) => `message-${index}`);
    const replies = await Promise.all(texts.map((text) => client.request(echo, { text }, ctx)));
    expect(replies.map((reply) => reply.text)).toEqual(texts);
  });

  it("spreads requests over the replicas in the queue group", async () => {
    const replicaNc = await connectTest();
    connections.push(replicaNc);
    const replica = createBus(replicaNc, { service: "memory", namespace, logger });
    const counts = { a: 0, b: 0 };
    replica.serve(echo, async (request) => {
      counts.b += 1;
      return { text: request.text, seenBy: "replica-b" };
    });
    await replicaNc.flush();
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        client.request(echo, { text: `n${i}` }, { requestId: `load-${i}` }),
      ),
    );
    for (const reply of replies) if (reply.seenBy === "replica-a") counts.a += 1;
    expect(counts.a + counts.b).toBe(40);
    expect(counts.a).toBeGreaterThan(0);
    expect(counts.b).toBeGreaterThan(0);
  });
});
