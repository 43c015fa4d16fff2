import { jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connectNats, createBus } from "@tessera/bus";
import { opsOperations, pingOperation } from "@tessera/contracts";
import { freePort, type PrivateNatsServer, startNatsServer } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderOverlay } from "./kustomize.ts";

// The prod overlay's nats.conf, as kustomize renders it, run as a 3-node cluster on loopback: the
// flags below only move the ports, routes and files from the pod's to this machine's.

const PASSWORDS = {
  NATS_GATEWAY_PASSWORD: "gateway-pw-0123456789abcdef",
  NATS_SERVICE_PASSWORD: "service-pw-0123456789abcdef",
  NATS_OBSERVER_PASSWORD: "observer-pw-0123456789abcdef",
  NATS_OPERATOR_PASSWORD: "operator-pw-0123456789abcdef",
  NATS_SYSTEM_PASSWORD: "system-pw-0123456789abcdef",
};
const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface ConfigMap {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
}

async function eventually<T>(probe: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

describe("the prod overlay's NATS configuration", () => {
  const nodes: PrivateNatsServer[] = [];
  const connections: NatsConnection[] = [];
  const connectAs = async (user: string, password: string): Promise<NatsConnection> => {
    const url = new URL(nodes[connections.length % nodes.length]!.url);
    url.username = user;
    url.password = password;
    const nc = await connectNats({
      servers: url.toString(),
      name: `test-${user}`,
      logger: silent,
      waitOnFirstConnect: false,
    });
    connections.push(nc);
    return nc;
  };

  beforeAll(async () => {
    const config = renderOverlay<ConfigMap>("prod").find(
      (o) => o.kind === "ConfigMap" && o.metadata.name === "nats-config",
    )?.data?.["nats.conf"];
    expect(config).toBeDefined();
    const clusterPorts = [await freePort(), await freePort(), await freePort()];
    const routes = clusterPorts.map((port) => `nats://127.0.0.1:${port}`).join(",");
    for (const [index, clusterPort] of clusterPorts.entries()) {
      const monitorPort = await freePort();
      nodes.push(
        await startNatsServer({
          config,
          env: { ...PASSWORDS, POD_NAME: `nats-${index}` },
          args: [
            "--cluster",
            `nats://127.0.0.1:${clusterPort}`,
            "--routes",
            routes,
            "-m",
            String(monitorPort),
            "-P",
            "/dev/null",
          ],
        }),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(connections.map((nc) => nc.close().catch(() => undefined)));
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it("forms a JetStream cluster that keeps 3 copies of a service's streams and buckets", async () => {
    const nc = await connectAs("service", PASSWORDS.NATS_SERVICE_PASSWORD);
    const bus = createBus(nc, { service: "memory", logger: silent, streamReplicas: 3 });
    // JetStream answers once the three nodes have elected a meta leader.
    await eventually(() => bus.provision());
    const jsm = await jetstreamManager(nc);
    const events = await jsm.streams.info("EVT_MEMORY");
    expect(events.config.num_replicas).toBe(3);
    expect(events.cluster?.replicas).toHaveLength(2);
    await bus.kv("cluster-check");
    expect((await jsm.streams.info("KV_cluster-check")).config.num_replicas).toBe(3);
  }, 120_000);

  it("lets the gateway call operations and read buckets, but publish no events or jobs", async () => {
    const service = createBus(await connectAs("service", PASSWORDS.NATS_SERVICE_PASSWORD), {
      service: "user",
      logger: silent,
    });
    service.servePing();
    const seen: string[] = [];
    const spy = await connectAs("service", PASSWORDS.NATS_SERVICE_PASSWORD);
    for (const subject of ["evt.>", "job.>", "dlq.>"])
      spy.subscribe(subject, { callback: (_e, m) => void seen.push(m.subject) });
    await spy.flush();
    await service.nc.flush();

    const gatewayNc = await connectAs("gateway", PASSWORDS.NATS_GATEWAY_PASSWORD);
    const gateway = createBus(gatewayNc, { service: "api-gateway", logger: silent });
    await expect(
      eventually(() => gateway.request(pingOperation("user"), {}, { requestId: "req-nats-conf-1" }), 30_000),
    ).resolves.toEqual({ service: "user", ready: true });
    await eventually(() => gateway.kv("gateway-reads"), 30_000);
    for (const subject of ["evt.user.user.registered", "job.memory.prune", "dlq.user.x"])
      gatewayNc.publish(subject, "{}");
    await gatewayNc.flush();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(seen).toEqual([]);
    // The same publishes from a service arrive: the spy is listening.
    spy.publish("evt.user.user.registered", "{}");
    await eventually(async () => expect(seen).toEqual(["evt.user.user.registered"]), 10_000);
  }, 60_000);

  it("lets only the operator (the ops CLI), not the gateway, send what only the platform's tools send", async () => {
    const service = createBus(await connectAs("service", PASSWORDS.NATS_SERVICE_PASSWORD), {
      service: "memory",
      logger: silent,
    });
    const ops = opsOperations("memory");
    service.serve(ops.projectionsList, async () => ({ items: [{ name: "probe" }] }));
    service.servePing();
    await service.nc.flush();
    const seen: string[] = [];
    const spy = await connectAs("service", PASSWORDS.NATS_SERVICE_PASSWORD);
    for (const subject of ["svc.*.ops.>", "svc.user.admin-roles.>", "svc.auth.signing-keys.>", "evt.>"])
      spy.subscribe(subject, { callback: (_e, m) => void seen.push(m.subject) });
    await spy.flush();

    const operator = createBus(await connectAs("operator", PASSWORDS.NATS_OPERATOR_PASSWORD), {
      service: "api-gateway",
      logger: silent,
    });
    await expect(
      eventually(() => operator.request(ops.projectionsList, {}, { requestId: "req-nats-conf-op" }), 30_000),
    ).resolves.toEqual({ items: [{ name: "probe" }] });
    operator.nc.publish("evt.memory.memory.recorded", "{}");
    await operator.nc.flush();

    const gatewayNc = await connectAs("gateway", PASSWORDS.NATS_GATEWAY_PASSWORD);
    await eventually(
      () =>
        createBus(gatewayNc, { service: "api-gateway", logger: silent }).request(
          pingOperation("memory"),
          {},
          { requestId: "req-nats-conf-gw" },
        ),
      30_000,
    );
    for (const subject of [
      "svc.memory.ops.projections.list",
      "svc.user.admin-roles.grant",
      "svc.auth.signing-keys.rotate",
    ])
      gatewayNc.publish(subject, "{}");
    await gatewayNc.flush();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(seen).toEqual(["svc.memory.ops.projections.list"]);
  }, 60_000);

  it("lets the observer look at streams and send nothing, and anonymous clients not in", async () => {
    const observer = await connectAs("observer", PASSWORDS.NATS_OBSERVER_PASSWORD);
    const jsm = await jetstreamManager(observer, { checkAPI: false });
    await expect(eventually(() => jsm.streams.info("EVT_MEMORY"), 30_000)).resolves.toBeDefined();
    await expect(jsm.streams.delete("EVT_MEMORY")).rejects.toThrow();
    const seen: string[] = [];
    const spy = await connectAs("service", PASSWORDS.NATS_SERVICE_PASSWORD);
    spy.subscribe("svc.>", { callback: (_e, m) => void seen.push(m.subject) });
    await spy.flush();
    observer.publish("svc.user.ping", "{}");
    await observer.flush();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(seen).toEqual([]);

    await expect(
      connectNats({ servers: nodes[0]!.url, name: "anonymous", logger: silent, waitOnFirstConnect: false }),
    ).rejects.toThrow(/authorization/i);
    await expect(
      connectNats({
        servers: nodes[0]!.url.replace("nats://", "nats://service:wrong@"),
        name: "wrong-password",
        logger: silent,
        waitOnFirstConnect: false,
      }),
    ).rejects.toThrow(/authorization/i);
  }, 60_000);
});
