import type { NatsConnection } from "@nats-io/nats-core";
import { defineOperation, UpstreamUnavailableError } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { BusUsageError, createBus } from "../src/index.ts";
import { captureLogger, connectTest, deferred, waitFor } from "./support.ts";

const work = defineOperation({
  service: "outbound",
  name: "work",
  request: z.object({ id: z.number() }),
  response: z.object({ id: z.number() }),
});

describe("draining the bus", () => {
  const namespace = testNamespace("dr");
  const logger = captureLogger();
  let serverNc: NatsConnection;
  let clientNc: NatsConnection;

  beforeAll(async () => {
    serverNc = await connectTest();
    clientNc = await connectTest();
  });

  afterAll(async () => {
    await clientNc.close();
    if (!serverNc.isClosed()) await serverNc.close();
  });

  it("stops taking requests and waits for the in-flight handler before resolving", async () => {
    const server = createBus(serverNc, { service: "outbound", namespace, logger });
    const client = createBus(clientNc, { service: "api-gateway", namespace, logger });
    const release = deferred();
    let started = false;
    server.serve(work, async (request) => {
      started = true;
      await release.promise;
      return { id: request.id };
    });
    await serverNc.flush();

    const inFlight = client.request(work, { id: 1 }, { requestId: "drain-1" });
    await waitFor(() => (started ? true : undefined));
    let drained = false;
    const draining = server.drain().then(() => {
      drained = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(drained).toBe(false);

    await expect(client.request(work, { id: 2 }, { requestId: "drain-2" })).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    release.resolve();
    await expect(inFlight).resolves.toEqual({ id: 1 });
    await draining;
    expect(drained).toBe(true);
    expect(() => server.serve(work, async (request) => request)).toThrow(BusUsageError);
  });

  it("closes the connection on close()", async () => {
    const server = createBus(serverNc, { service: "outbound", namespace, logger });
    await server.close();
    expect(serverNc.isClosed()).toBe(true);
  });
});
