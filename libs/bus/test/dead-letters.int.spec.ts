import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Bus, busNames, createBus, DeadLetterNotFoundError } from "../src/index.ts";
import { captureLogger, connectTest, removeNamespace, waitFor } from "./support.ts";

const namespace = testNamespace("deadletters");
const names = busNames(namespace);
let nc: NatsConnection;
let user: Bus;
let memory: Bus;

/** A consumer of `service` that fails every message at once, so each becomes a dead letter. */
async function failingConsumer(bus: Bus, subject: string): Promise<void> {
  await bus.consume({
    name: subject.replaceAll(".", "-"),
    stream: "JOBS",
    filterSubjects: [subject],
    schema: z.object({ n: z.number() }),
    maxDeliver: 1,
    handler: async () => {
      throw new Error("always");
    },
  });
}

beforeAll(async () => {
  nc = await connectTest();
  user = createBus(nc, { service: "user", namespace, logger: captureLogger() });
  memory = createBus(nc, { service: "memory", namespace, logger: captureLogger() });
  await user.provision();
  await failingConsumer(user, "job.dl-user");
  await failingConsumer(memory, "job.dl-memory");
  const js = jetstream(nc);
  for (const n of [1, 2, 3]) await js.publish(names.subject("job.dl-user"), JSON.stringify({ n }));
  await js.publish(names.subject("job.dl-memory"), JSON.stringify({ n: 4 }));
  await waitFor(async () =>
    (await user.deadLetters.list({ limit: 10 })).items.length === 3 ? true : undefined,
  );
  await waitFor(async () =>
    (await memory.deadLetters.list({ limit: 10 })).items.length === 1 ? true : undefined,
  );
});

afterAll(async () => {
  await user?.drain();
  await memory?.drain();
  await removeNamespace(nc, namespace);
  await nc?.close();
});

describe("a service's dead letters", () => {
  it("are listed oldest first, a page at a time, and only the service's own", async () => {
    const first = await user.deadLetters.list({ limit: 2 });
    expect(first.more).toBe(true);
    expect(first.items.map((letter) => letter.subject)).toEqual(["job.dl-user", "job.dl-user"]);
    const rest = await user.deadLetters.list({ after: first.items.at(-1)?.seq ?? 0, limit: 2 });
    expect(rest).toMatchObject({ more: false, items: [{ subject: "job.dl-user", deliveries: 1 }] });
    expect(rest.items[0]?.error).toBe("Error: always");
    expect(rest.items[0]?.consumer).toBe(names.durable("user", "job-dl-user"));
  });

  it("show the message's own headers and data, and hide another service's letters", async () => {
    const [letter] = (await user.deadLetters.list({ limit: 1 })).items;
    if (letter === undefined) throw new Error("no letter");
    const shown = await user.deadLetters.get(letter.seq);
    expect(shown.data).toBe('{"n":1}');
    expect(Object.keys(shown.headers).filter((key) => key.toLowerCase().startsWith("x-dlq-"))).toEqual([]);
    await expect(memory.deadLetters.get(letter.seq)).rejects.toBeInstanceOf(DeadLetterNotFoundError);
    await expect(memory.deadLetters.replay(letter.seq)).rejects.toBeInstanceOf(DeadLetterNotFoundError);
  });

  it("are none where nothing was ever dead-lettered (no DLQ stream yet)", async () => {
    const fresh = createBus(nc, {
      service: "user",
      namespace: testNamespace("nodlq"),
      logger: captureLogger(),
    });
    expect(await fresh.deadLetters.list({ limit: 5 })).toEqual({ items: [], more: false });
  });
});
