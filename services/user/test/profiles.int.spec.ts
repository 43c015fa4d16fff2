import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { busNames, createBus } from "@tessera/bus";
import { type EventEnvelope, userGetMe } from "@tessera/contracts";
import { type InProcessService, startInProcess, TEST_NATS_URL, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userConfigSchema } from "../src/config.ts";
import { startUserService } from "../src/service.ts";

let user: InProcessService<Awaited<ReturnType<typeof startUserService>>>;
let nc: NatsConnection;
const silent = { info() {}, warn() {}, error() {}, debug() {} };

beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
  const namespace = testNamespace("user");
  // The auth side of the bus: its stream, as `auth` would provision it.
  await createBus(nc, { service: "auth", namespace, logger: silent }).provision();
  user = await startInProcess({ configSchema: userConfigSchema, start: startUserService, namespace });
});

afterAll(async () => {
  await nc?.close();
  await user?.stop();
});

function registered(
  accountId: string,
  email: string,
): EventEnvelope & { data: { accountId: string; email: string; registeredAt: string } } {
  return {
    eventId: randomUUID(),
    type: "auth.account.registered",
    version: 1,
    streamId: `account-${accountId}`,
    streamVersion: 1,
    globalPosition: "1",
    occurredAt: new Date().toISOString(),
    data: { accountId, email, registeredAt: new Date().toISOString() },
    metadata: { requestId: `req-${accountId}`, actor: accountId },
  };
}

async function eventually<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let tries = 0; tries < 100; tries++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("condition not met in time");
}

describe("user profiles from auth events", () => {
  it("creates the profile once when the same event is delivered twice", async () => {
    const accountId = randomUUID();
    const event = registered(accountId, "Mary@Example.com");
    const js = jetstream(nc);
    const subject = busNames(user.namespace).subject("evt.auth.account.registered");
    // Two different message ids get past JetStream's duplicate window: a true redelivery.
    await js.publish(subject, JSON.stringify(event), { msgID: `${event.eventId}-a` });
    await js.publish(subject, JSON.stringify(event), { msgID: `${event.eventId}-b` });
    const marker = registered(randomUUID(), "marker@example.com");
    await js.publish(subject, JSON.stringify(marker), { msgID: marker.eventId });

    const caller = createBus(nc, { service: "api-gateway", namespace: user.namespace, logger: silent });
    // The marker comes after both copies on the same ordered consumer, so both were handled by then.
    await eventually(() =>
      caller.request(userGetMe, {}, { requestId: "r1", actor: marker.data.accountId }).catch(() => undefined),
    );
    const profile = await caller.request(userGetMe, {}, { requestId: "r2", actor: accountId });
    expect(profile).toMatchObject({ id: accountId, email: "Mary@Example.com", roles: [], preferences: {} });

    const { rows } = await sql<{ profiles: number; events: number }>`
      select (select count(*) from users.profiles where user_id = ${accountId})::int as profiles,
             (select count(*) from users.events where stream_id = ${`user-${accountId}`})::int as events
    `.execute(user.database.db);
    expect(rows[0]).toEqual({ profiles: 1, events: 1 });
  });

  it("answers 404 user.not_found for an account without a profile", async () => {
    const caller = createBus(nc, { service: "api-gateway", namespace: user.namespace, logger: silent });
    await expect(
      caller.request(userGetMe, {}, { requestId: "r3", actor: randomUUID() }),
    ).rejects.toMatchObject({ status: 404, code: "user.not_found" });
  });
});
