import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames, createBus } from "@tessera/bus";
import { accountsRegister } from "@tessera/contracts";
import {
  createTestDatabase,
  eventually,
  type InProcessService,
  type MetricFamily,
  metricValue,
  scrapeMetrics,
  startInProcess,
  startTcpProxy,
  type TcpProxy,
  TEST_NATS_URL,
  type TestDatabase,
  testNamespace,
} from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authConfigSchema } from "../../auth/src/config.ts";
import { startAuthService } from "../../auth/src/service.ts";
import { ON_ACCOUNT_REGISTERED } from "../src/app/on-account-registered.ts";
import { userConfigSchema } from "../src/config.ts";
import { startUserService } from "../src/service.ts";
import { silent } from "./support.ts";

type Running = InProcessService<Awaited<ReturnType<typeof startUserService>>>;

let nc: NatsConnection;
let caller: Bus;
let auth: InProcessService<Awaited<ReturnType<typeof startAuthService>>>;
let user: Running;
let userDatabase: TestDatabase;
// The user replica reaches Postgres through this proxy, so the test can take Postgres away from it alone.
let proxy: TcpProxy;
let namespace: string;

const opsUrl = (service: { running: { ops: { port: number } | undefined } }, path: string) =>
  `http://127.0.0.1:${service.running.ops?.port}${path}`;

beforeAll(async () => {
  namespace = testNamespace("ops");
  nc = await connect({ servers: TEST_NATS_URL });
  auth = await startInProcess({
    configSchema: authConfigSchema,
    start: startAuthService,
    namespace,
    env: { OPS_PORT: "0" },
  });
  userDatabase = await createTestDatabase("ops");
  proxy = await startTcpProxy(userDatabase.url);
  user = await startInProcess({
    configSchema: userConfigSchema,
    start: startUserService,
    namespace,
    database: userDatabase,
    env: { OPS_PORT: "0", DATABASE_URL: proxy.url },
  });
  caller = createBus(nc, { service: "api-gateway", namespace, logger: silent });
});

afterAll(async () => {
  await user?.stop();
  await auth?.stop();
  await proxy?.close();
  await userDatabase?.drop();
  await nc?.close();
});

describe("a service's ops port", () => {
  it("answers /livez and /readyz for this replica, and problem+json elsewhere", async () => {
    const live = await fetch(opsUrl(user, "/livez"));
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
    const ready = await fetch(opsUrl(user, "/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ok",
      checks: { service: { ok: true }, postgres: { ok: true }, nats: { ok: true } },
    });
    const unknown = await fetch(opsUrl(user, "/ready"));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
    expect(await unknown.json()).toMatchObject({ code: "route.not_found", status: 404 });
    const post = await fetch(opsUrl(user, "/metrics"), { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("measures operations, deliveries, dead letters and lag once traffic has gone through", async () => {
    for (let i = 0; i < 2; i++) {
      await caller.request(
        accountsRegister,
        { email: `ops-${randomUUID()}@example.com`, password: "correct horse battery staple" },
        { requestId: `ops-${i}` },
      );
    }
    // A message on the consumer's subject that is no event envelope: dead-lettered at once.
    await jetstream(nc).publish(
      busNames(namespace).subject("evt.auth.account.registered"),
      "not an envelope",
    );

    const userMetrics = await eventually(
      async () => {
        const families = await scrapeMetrics(opsUrl(user, "/metrics"));
        const consumer = { consumer: ON_ACCOUNT_REGISTERED };
        const acked = metricValue(families, "bus_consumer_delivery_duration_seconds", {
          ...consumer,
          outcome: "acked",
        });
        const dead = metricValue(families, "bus_dead_letters_total", consumer);
        return (acked ?? 0) >= 2 && dead === 1 ? families : undefined;
      },
      { what: "the user service's deliveries and dead letter" },
    );
    const consumer = { consumer: ON_ACCOUNT_REGISTERED, service: "user" };
    expect(
      metricValue(userMetrics, "bus_consumer_delivery_duration_seconds", {
        ...consumer,
        outcome: "dead_lettered",
      }),
    ).toBe(1);
    expect(metricValue(userMetrics, "bus_consumer_pending_messages", consumer)).toBe(0);
    expect(metricValue(userMetrics, "bus_consumer_ack_pending_messages", consumer)).toBe(0);
    expect(metricValue(userMetrics, "bus_consumer_lag_seconds", consumer)).toBe(0);
    // Each delivered account became a profile: the user service's own events, relayed.
    await expectRelayCaughtUp(() => scrapeMetrics(opsUrl(user, "/metrics")));

    const authMetrics = await expectRelayCaughtUp(() => scrapeMetrics(opsUrl(auth, "/metrics")));
    const register = { subject: accountsRegister.subject, outcome: "ok", service: "auth" };
    expect(metricValue(authMetrics, "bus_operation_duration_seconds", register)).toBe(2);
    expect(metricValue(authMetrics, "eventstore_head_position")).toBeGreaterThanOrEqual(2);
    // auth's async projection of revoked sessions has read every event: a series, at 0.
    const projection = { projection: "revoked-sessions-kv", schema: "auth" };
    const caughtUp = await eventually(
      async () => {
        const current = await scrapeMetrics(opsUrl(auth, "/metrics"));
        return metricValue(current, "eventstore_projection_lag_events", projection) === 0
          ? current
          : undefined;
      },
      { what: "the revoked-sessions projection caught up" },
    );
    expect(metricValue(caughtUp, "eventstore_projection_lag_seconds", projection)).toBe(0);
    expect(metricValue(caughtUp, "eventstore_checkpoint_position", { reader: "revoked-sessions-kv" })).toBe(
      metricValue(caughtUp, "eventstore_head_position"),
    );
  });

  it("is not ready while Postgres is unreachable for this replica, and stays live", async () => {
    proxy.cut();
    const body = await eventually(
      async () => {
        const ready = await fetch(opsUrl(user, "/readyz"));
        return ready.status === 503 ? ((await ready.json()) as Record<string, unknown>) : undefined;
      },
      { what: "/readyz answering 503" },
    );
    expect(body).toMatchObject({
      status: "unavailable",
      checks: { postgres: { ok: false }, nats: { ok: true }, service: { ok: true } },
    });
    expect((await fetch(opsUrl(user, "/livez"))).status).toBe(200);
    // Its metrics still answer, without the store's gauges it could not read.
    const families = await scrapeMetrics(opsUrl(user, "/metrics"));
    expect(metricValue(families, "eventstore_outbox_backlog_events")).toBeUndefined();
    expect(metricValue(families, "bus_dead_letters_total", { consumer: ON_ACCOUNT_REGISTERED })).toBe(1);
    // The other service, whose Postgres is fine, stays ready.
    expect((await fetch(opsUrl(auth, "/readyz"))).status).toBe(200);
  });
});

/** Waits until the outbox relay has published everything, and the gauges say so. */
async function expectRelayCaughtUp(scrape: () => Promise<MetricFamily[]>): Promise<MetricFamily[]> {
  const families = await eventually(
    async () => {
      const current = await scrape();
      return metricValue(current, "eventstore_outbox_backlog_events") === 0 ? current : undefined;
    },
    { what: "an empty outbox backlog" },
  );
  expect(metricValue(families, "eventstore_outbox_lag_seconds")).toBe(0);
  const head = metricValue(families, "eventstore_head_position");
  expect(head).toBeGreaterThan(0);
  expect(metricValue(families, "eventstore_checkpoint_position", { reader: "$outbox" })).toBe(head);
  return families;
}
