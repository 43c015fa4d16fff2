import {
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { millis, type NatsConnection } from "@nats-io/nats-core";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBus } from "../src/index.ts";
import { captureLogger, connectTest, envelope, removeNamespace } from "./support.ts";

describe("stream provisioning and event publishing", () => {
  const namespace = testNamespace("st");
  const ns = namespace.toUpperCase();
  const logger = captureLogger();
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    nc = await connectTest();
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await removeNamespace(nc, namespace);
    await nc.close();
  });

  it("provisions the event, jobs and dead-letter streams idempotently from concurrent replicas", async () => {
    const replicas = await Promise.all([connectTest(), connectTest(), connectTest()]);
    try {
      const buses = replicas.map((replica) =>
        createBus(replica, { service: "job-scheduler", namespace, logger }),
      );
      await Promise.all(buses.flatMap((bus) => [bus.provision(), bus.provision()]));
    } finally {
      await Promise.all(replicas.map((replica) => replica.close()));
    }
    const events = await jsm.streams.info(`${ns}_EVT_JOB_SCHEDULER`);
    expect(events.config).toMatchObject({
      subjects: [`${namespace}.evt.job-scheduler.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
    });
    expect(millis(events.config.max_age)).toBe(30 * 24 * 60 * 60 * 1000);
    expect(millis(events.config.duplicate_window)).toBe(120_000);
    const jobs = await jsm.streams.info(`${ns}_JOBS`);
    expect(jobs.config).toMatchObject({
      subjects: [`${namespace}.job.>`],
      retention: RetentionPolicy.Workqueue,
    });
    const dlq = await jsm.streams.info(`${ns}_DLQ`);
    expect(dlq.config.subjects).toEqual([`${namespace}.dlq.>`]);
  });

  it("updates the event stream's max age when provisioned with another one", async () => {
    const bus = createBus(nc, { service: "outbound", namespace, logger });
    await bus.provision();
    await bus.provision({ eventMaxAgeMs: 60 * 60 * 1000 });
    const info = await jsm.streams.info(`${ns}_EVT_OUTBOUND`);
    expect(millis(info.config.max_age)).toBe(60 * 60 * 1000);
  });

  it("publishes an event once when the same event id is published twice, with its metadata as headers", async () => {
    const bus = createBus(nc, { service: "auth", namespace, logger });
    await bus.provision();
    const publisher = bus.eventPublisher();
    const event = envelope({
      metadata: {
        requestId: "req-pub-1",
        actor: "user-7",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      },
    });
    await publisher.publish(event);
    await publisher.publish(event);
    const info = await jsm.streams.info(`${ns}_EVT_AUTH`);
    expect(info.state.messages).toBe(1);
    const stored = await jsm.streams.getMessage(`${ns}_EVT_AUTH`, { seq: info.state.first_seq });
    expect(stored?.subject).toBe(`${namespace}.evt.auth.account.registered`);
    expect(stored?.json()).toEqual(event);
    expect(stored?.header.get("Nats-Msg-Id")).toBe(event.eventId);
    expect(stored?.header.get("x-request-id")).toBe("req-pub-1");
    expect(stored?.header.get("x-actor")).toBe("user-7");
  });

  it("says where each event was stored, and deletes those copies for good, twice without error", async () => {
    const bus = createBus(nc, { service: "auth", namespace, logger });
    await bus.provision();
    const publisher = bus.eventPublisher();
    const kept = await publisher.publish(envelope());
    const personal = envelope({ data: { email: "erase.me@example.com" } });
    const erased = await publisher.publish(personal);
    expect(erased).toEqual({ stream: `${ns}_EVT_AUTH`, seq: kept.seq + 1 });
    // A duplicate within the window points at the first copy.
    expect(await publisher.publish(personal)).toEqual(erased);

    // A consumer gave up on it: its dead letter sits under the copy's stream and sequence.
    const letter = `${namespace}.dlq.user.on-account-registered.${erased.stream}.${erased.seq}`;
    await jetstream(nc).publish(letter, JSON.stringify(personal));

    await bus.deletePublished([erased]);
    await bus.deletePublished([erased, { stream: `${ns}_EVT_NOPE`, seq: 1 }]);
    expect(await jsm.streams.getMessage(`${ns}_DLQ`, { last_by_subj: letter })).toBeNull();
    expect(await jsm.streams.getMessage(`${ns}_EVT_AUTH`, { seq: erased.seq })).toBeNull();
    expect(await jsm.streams.getMessage(`${ns}_EVT_AUTH`, { seq: kept.seq })).toBeTruthy();
  });

  it("rejects a publish that no stream captures", async () => {
    const bus = createBus(nc, { service: "ingestion", namespace, logger });
    const publisher = bus.eventPublisher({ timeoutMs: 1_000 });
    await expect(publisher.publish(envelope({ type: "ingestion.item.received" }))).rejects.toMatchObject({
      name: "PublishError",
      code: "bus.publish_failed",
    });
  });

  it("opens the same namespaced KV bucket on every call", async () => {
    const bus = createBus(nc, { service: "auth", namespace, logger });
    const first = await bus.kv("jwks");
    await first.put("current", "key-1");
    const second = await bus.kv("jwks");
    expect((await second.get("current"))?.string()).toBe("key-1");
    await expect(jsm.streams.info(`KV_${namespace}_jwks`)).resolves.toBeDefined();
  });
});
