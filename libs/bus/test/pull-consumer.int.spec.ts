import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBus, type PullConsumer, type PullConsumerOptions, startPullConsumer } from "../src/index.ts";
import { captureLogger, connectTest, deferred, removeNamespace, waitFor } from "./support.ts";

describe("the pull-consume loop", () => {
  const namespace = testNamespace("pc");
  const logger = captureLogger();
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;
  const started: PullConsumer[] = [];

  beforeAll(async () => {
    nc = await connectTest();
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
    await createBus(nc, { service: "auth", namespace, logger }).provision();
  });

  afterAll(async () => {
    await Promise.all(started.map((consumer) => consumer.stop()));
    await removeNamespace(nc, namespace);
    await nc.close();
  });

  /** A consumer of `job.auth.<purpose>` on the namespace's JOBS stream, durable `<purpose>`. */
  async function consume(
    purpose: string,
    opts: Pick<PullConsumerOptions, "concurrency" | "handle">,
  ): Promise<PullConsumer> {
    const consumer = await startPullConsumer(
      { js, jsm, logger },
      {
        stream: `${namespace.toUpperCase()}_JOBS`,
        durable: `${namespace}_${purpose}`,
        filterSubjects: [`${namespace}.job.auth.${purpose}`],
        // Far longer than any wait below: a message seen again was handed back, not timed out.
        ackWaitMs: 60_000,
        maxDeliver: 3,
        ...opts,
      },
    );
    started.push(consumer);
    return consumer;
  }

  const publish = (purpose: string, body: string) => js.publish(`${namespace}.job.auth.${purpose}`, body);

  const ackPending = async (purpose: string) =>
    (await jsm.consumers.info(`${namespace.toUpperCase()}_JOBS`, `${namespace}_${purpose}`)).num_ack_pending;

  it("never runs more handlers at once than its concurrency, and acks each as it ends", async () => {
    const release = deferred();
    const running = new Set<string>();
    const handled: string[] = [];
    let most = 0;
    await consume("bounded", {
      concurrency: 2,
      handle: async (msg) => {
        running.add(msg.string());
        most = Math.max(most, running.size);
        await release.promise;
        running.delete(msg.string());
        handled.push(msg.string());
        msg.ack();
      },
    });
    for (let i = 1; i <= 6; i++) await publish("bounded", `m${i}`);
    await waitFor(() => (running.size >= 2 ? true : undefined));
    // Long enough for a third handler to start, were the bound not kept.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(running.size).toBe(2);

    release.resolve();
    await waitFor(() => (handled.length === 6 ? true : undefined));
    expect(most).toBe(2);
    expect(handled.toSorted()).toEqual(["m1", "m2", "m3", "m4", "m5", "m6"]);
    await waitFor(async () => ((await ackPending("bounded")) === 0 ? true : undefined));
  });

  it("on stop, hands back at once what it fetched but had not started, and waits for the running handler", async () => {
    const release = deferred();
    const seen: string[] = [];
    let finished = false;
    const first = await consume("handed-back", {
      concurrency: 1,
      handle: async (msg) => {
        seen.push(`first:${msg.string()}`);
        await release.promise;
        finished = true;
        msg.ack();
      },
    });
    await publish("handed-back", "running");
    await waitFor(() => (seen.length === 1 ? true : undefined));
    await publish("handed-back", "waiting");
    // Fetched, waiting for the only slot.
    await waitFor(async () => ((await ackPending("handed-back")) === 2 ? true : undefined));

    // Not held up by the busy slot: stopping the fetch does not wait for the running handler.
    await first.stopFetching();
    expect(finished).toBe(false);
    expect(await first.settled(200)).toBe(false);

    await consume("handed-back", {
      concurrency: 1,
      handle: async (msg) => {
        seen.push(`second:${msg.string()}`);
        msg.ack();
      },
    });
    await waitFor(() => (seen.includes("second:waiting") ? true : undefined));
    expect(seen).toEqual(["first:running", "second:waiting"]);

    release.resolve();
    await first.stop();
    expect(finished).toBe(true);
    expect(await first.settled(0)).toBe(true);
    await waitFor(async () => ((await ackPending("handed-back")) === 0 ? true : undefined));
  });
});
