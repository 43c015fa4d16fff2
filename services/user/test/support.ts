import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames, createBus } from "@tessera/bus";
import { type EventEnvelope, type MessageContext, meGet } from "@tessera/contracts";
import { type InProcessService, startInProcess, TEST_NATS_URL, testNamespace } from "@tessera/testing";
import { userConfigSchema } from "../src/config.ts";
import { startUserService } from "../src/service.ts";

export const silent = { info() {}, warn() {}, error() {}, debug() {} };

export type UserService = InProcessService<Awaited<ReturnType<typeof startUserService>>>;

export interface Harness {
  user: UserService;
  nc: NatsConnection;
  /** The gateway's side of the bus. */
  caller: Bus;
  stop(): Promise<void>;
}

/** The user service in-process, with the auth stream provisioned as `auth` would. */
export async function startHarness(label: string, env: Record<string, string> = {}): Promise<Harness> {
  const nc = await connect({ servers: TEST_NATS_URL });
  const namespace = testNamespace(label);
  await createBus(nc, { service: "auth", namespace, logger: silent }).provision();
  const user = await startInProcess({
    configSchema: userConfigSchema,
    start: startUserService,
    namespace,
    env,
  });
  const caller = createBus(nc, { service: "api-gateway", namespace, logger: silent });
  return {
    user,
    nc,
    caller,
    async stop() {
      await user.stop();
      await nc.close();
    },
  };
}

export function ctx(actor: string, extra: Partial<MessageContext> = {}): MessageContext {
  return { requestId: `req-${randomUUID()}`, actor, ...extra };
}

export function registeredEvent(accountId: string, email: string): EventEnvelope {
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

/** Publishes an event on the namespaced subject; `msgId` defaults to the event id. */
export async function publishEvent(
  h: Harness,
  envelope: EventEnvelope,
  msgId = envelope.eventId,
): Promise<void> {
  const subject = busNames(h.user.namespace).subject(`evt.${envelope.type}`);
  await jetstream(h.nc).publish(subject, JSON.stringify(envelope), { msgID: msgId });
}

export async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Registers an account as auth would announce it and waits for the profile. */
export async function registerUser(h: Harness, email = `u.${randomUUID().slice(0, 8)}@example.com`) {
  const userId = randomUUID();
  await publishEvent(h, registeredEvent(userId, email));
  await eventually(() => h.caller.request(meGet, {}, ctx(userId)));
  return { userId, email };
}
