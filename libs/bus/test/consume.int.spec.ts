import { type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { EventEnvelope, MessageContext } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Bus, type Consumption, createBus, DLQ_HEADER } from "../src/index.ts";
import { captureLogger, connectTest, envelope, removeNamespace, waitFor } from "./support.ts";

describe("event consumers", () => {
  const namespace = testNamespace("co");
  const ns = namespace.toUpperCase();
  const logger = captureLogger();
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let producer: Bus;
  let consumer: Bus;
  const running: Consumption[] = [];

  beforeAll(async () => {
    nc = await connectTest();
    jsm = await jetstreamManager(nc);
    producer = createBus(nc, { service: "auth", namespace, logger });
    consumer = createBus(nc, { service: "user", namespace, logger });
    await producer.provision();
    await consumer.provision();
  });

  afterAll(async () => {
    await Promise.all(running.map((consumption) => consumption.stop()));
    await removeNamespace(nc, namespace);
    await nc.close();
  });

  async function consumerState(name: string) {
    const info = await jsm.consumers.info(`${ns}_EVT_AUTH`, `${namespace}_user--${name}`);
    return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
  }

  async function deadLetters(name: string) {
    // One subject per letter: `dlq.user.<consumer>.<source stream>.<source seq>`.
    const info = await jsm.streams.info(`${ns}_DLQ`, { subjects_filter: `${namespace}.dlq.user.${name}.>` });
    const subjects = Object.keys(info.state.subjects ?? {});
    const letters = await Promise.all(
      subjects.map((subject) => jsm.streams.getMessage(`${ns}_DLQ`, { last_by_subj: subject })),
    );
    return letters.filter((letter) => letter !== null);
  }

  it("hands every event to the handler in order with the context from its metadata", async () => {
    const handled: Array<{ envelope: EventEnvelope; ctx: MessageContext }> = [];
    running.push(
      await consumer.consume({
        name: "in-order",
        stream: "auth",
        filterSubjects: ["evt.auth.account.registered"],
        handler: async (event, ctx) => {
          handled.push({ envelope: event, ctx });
        },
      }),
    );
    const events = [envelope(), envelope(), envelope()];
    const publisher = producer.eventPublisher();
    for (const event of events) await publisher.publish(event);
    await waitFor(() => (handled.length === 3 ? true : undefined));
    expect(handled.map((h) => h.envelope.eventId)).toEqual(events.map((e) => e.eventId));
    expect(handled[0]?.ctx).toMatchObject({ requestId: events[0]?.metadata.requestId, actor: "system:auth" });
    await waitFor(async () => ((await consumerState("in-order")).ackPending === 0 ? true : undefined));
  });

  it("dead-letters a message that does not parse and acks it", async () => {
    const handled: string[] = [];
    running.push(
      await consumer.consume({
        name: "strict",
        stream: "auth",
        filterSubjects: ["evt.auth.session.>"],
        handler: async (event) => {
          handled.push(event.eventId);
        },
      }),
    );
    await jetstream(nc).publish(`${namespace}.evt.auth.session.opened`, "{ not json");
    const [letter] = await waitFor(async () => {
      const letters = await deadLetters("strict");
      return letters.length > 0 ? letters : undefined;
    });
    expect(letter?.string()).toBe("{ not json");
    expect(letter?.header.get(DLQ_HEADER.subject)).toBe(`${namespace}.evt.auth.session.opened`);
    expect(letter?.header.get(DLQ_HEADER.streamSequence)).toMatch(/^\d+$/);
    expect(letter?.header.get(DLQ_HEADER.error)).toContain("not JSON");
    await waitFor(async () => {
      const state = await consumerState("strict");
      return state.pending === 0 && state.ackPending === 0 ? true : undefined;
    });
    expect(handled).toEqual([]);
  });

  it("retries a failing handler maxDeliver times, then dead-letters the event and acks it", async () => {
    const attempts: number[] = [];
    running.push(
      await consumer.consume({
        name: "always-fails",
        stream: "auth",
        filterSubjects: ["evt.auth.password.>"],
        maxDeliver: 3,
        backoffMs: [50, 100],
        handler: async (_event, _ctx, msg) => {
          attempts.push(msg.info.deliveryCount);
          throw new Error("downstream is broken");
        },
      }),
    );
    const event = envelope({ type: "auth.password.changed" });
    await producer.eventPublisher().publish(event);
    const [letter] = await waitFor(async () => {
      const letters = await deadLetters("always-fails");
      return letters.length > 0 ? letters : undefined;
    });
    expect(letter?.json<EventEnvelope>().eventId).toBe(event.eventId);
    expect(letter?.header.get(DLQ_HEADER.error)).toBe("Error: downstream is broken");
    expect(letter?.header.get(DLQ_HEADER.deliveries)).toBe("3");
    expect(letter?.header.get("x-request-id")).toBe(event.metadata.requestId);
    await waitFor(async () => ((await consumerState("always-fails")).ackPending === 0 ? true : undefined));
    // Long enough for a fourth delivery, had the message not been acked.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("dead-letters at once an event whose data fails its contract, without retrying", async () => {
    const attempts: number[] = [];
    running.push(
      await consumer.consume({
        name: "contract",
        stream: "auth",
        filterSubjects: ["evt.auth.email.>"],
        maxDeliver: 3,
        backoffMs: [50],
        handler: async (event, _ctx, msg) => {
          attempts.push(msg.info.deliveryCount);
          z.object({ accountId: z.uuid() }).parse(event.data);
        },
      }),
    );
    const event = envelope({ type: "auth.email.verified", data: { accountId: "not-a-uuid" } });
    await producer.eventPublisher().publish(event);
    const [letter] = await waitFor(async () => {
      const letters = await deadLetters("contract");
      return letters.length > 0 ? letters : undefined;
    });
    expect(letter?.json<EventEnvelope>().eventId).toBe(event.eventId);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(attempts).toEqual([1]);
  });

  it("stops fetching on stop() and waits for the running handler", async () => {
    let finished = false;
    let started = false;
    const consumption = await consumer.consume({
      name: "slow",
      stream: "auth",
      filterSubjects: ["evt.auth.profile.>"],
      handler: async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
        finished = true;
      },
    });
    await producer.eventPublisher().publish(envelope({ type: "auth.profile.updated" }));
    await waitFor(() => (started ? true : undefined));
    await consumption.stop();
    expect(finished).toBe(true);
    await waitFor(async () => ((await consumerState("slow")).ackPending === 0 ? true : undefined));
  });
});
