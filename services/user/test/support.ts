import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames, createBus } from "@tessera/bus";
import {
  type AssignableProjectRole,
  type EventEnvelope,
  invitationsAccept,
  invitationsCreate,
  type MessageContext,
  meGet,
} from "@tessera/contracts";
import { type InProcessService, startInProcess, TEST_NATS_URL, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { authConfigSchema } from "../../auth/src/config.ts";
import { startAuthService } from "../../auth/src/service.ts";
import { userConfigSchema } from "../src/config.ts";
import { startUserService, type UserServiceOptions } from "../src/service.ts";

export const silent = { info() {}, warn() {}, error() {}, debug() {} };

export type UserService = InProcessService<Awaited<ReturnType<typeof startUserService>>>;

export interface Harness {
  user: UserService;
  /** The real `auth`, on the same bus: it answers `svc.auth.accounts.get`. */
  auth: InProcessService<Awaited<ReturnType<typeof startAuthService>>>;
  nc: NatsConnection;
  /** The gateway's side of the bus. */
  caller: Bus;
  stop(): Promise<void>;
}

/**
 * The user service in-process beside the real `auth` on one bus namespace. Tests announce most
 * accounts with events of their own (`registeredEvent`), which `auth` has never heard of.
 */
export async function startHarness(
  label: string,
  env: Record<string, string> = {},
  options: UserServiceOptions = {},
): Promise<Harness> {
  const nc = await connect({ servers: TEST_NATS_URL });
  const namespace = testNamespace(label);
  const auth = await startInProcess({ configSchema: authConfigSchema, start: startAuthService, namespace });
  const user = await startInProcess({
    configSchema: userConfigSchema,
    start: (config) => startUserService(config, options),
    namespace,
    env,
  });
  const caller = createBus(nc, { service: "api-gateway", namespace, logger: silent });
  return {
    user,
    auth,
    nc,
    caller,
    async stop() {
      await user.stop();
      await auth.stop();
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

export function verifiedEvent(accountId: string): EventEnvelope {
  return {
    eventId: randomUUID(),
    type: "auth.email.verified",
    version: 1,
    streamId: `account-${accountId}`,
    streamVersion: 3,
    globalPosition: "3",
    occurredAt: new Date().toISOString(),
    data: { accountId, verifiedAt: new Date().toISOString() },
    metadata: { requestId: `req-verify-${accountId}`, actor: accountId },
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

/** Announces the account's email as verified, as `auth` would, and waits until the profile says so. */
export async function verifyEmail(h: Harness, userId: string): Promise<void> {
  await publishEvent(h, verifiedEvent(userId));
  await eventually(async () => {
    const { rows } = await sql<{ verified: boolean }>`
      select email_verified_at is not null as verified from users.profiles where user_id = ${userId}`.execute(
      h.user.database.db,
    );
    return rows[0]?.verified ? true : undefined;
  });
}

/** A verified user who joins the project by accepting an invitation from `inviterId`. */
export async function joinProject(
  h: Harness,
  projectId: string,
  inviterId: string,
  role: AssignableProjectRole,
  invitee?: { userId: string; email: string },
): Promise<{ userId: string; email: string }> {
  const user = invitee ?? (await registerUser(h));
  await verifyEmail(h, user.userId);
  const invitation = await h.caller.request(
    invitationsCreate,
    { projectId, email: user.email, role },
    ctx(inviterId),
  );
  await h.caller.request(invitationsAccept, { invitationId: invitation.id }, ctx(user.userId));
  return user;
}

/** Tables of the users schema with a row that mentions `needle` anywhere (case ignored). */
export async function tablesMentioning(h: Harness, needle: string): Promise<string[]> {
  const db = h.user.database.db;
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'users'`.execute(db);
  const found: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from ${sql.table(`users.${table_name}`)} as t
       where strpos(lower(t::text), ${needle.toLowerCase()}) > 0`.execute(db);
    if ((rows[0]?.count ?? 0) > 0) found.push(table_name);
  }
  return found;
}
