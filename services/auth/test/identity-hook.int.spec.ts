import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, busNames, createBus } from "@tessera/bus";
import {
  accountsGet,
  accountsRegister,
  type EventEnvelope,
  emailVerify,
  meGet,
  meUpdate,
  sessionsLogin,
  usersErase,
} from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import { type InProcessService, startInProcess, TEST_NATS_URL, testNamespace } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userConfigSchema } from "../../user/src/config.ts";
import { startUserService } from "../../user/src/service.ts";
import { authConfigSchema } from "../src/config.ts";
import { startAuthService } from "../src/service.ts";
import { ctx, LINK_KEY, latestLinkToken } from "./support.ts";

const silent = { info() {}, warn() {}, error() {}, debug() {} };

let auth: InProcessService<Awaited<ReturnType<typeof startAuthService>>>;
let user: InProcessService<Awaited<ReturnType<typeof startUserService>>>;
let nc: NatsConnection;
let caller: Bus;
const userEvents: EventEnvelope[] = [];

beforeAll(async () => {
  const namespace = testNamespace("identityhook");
  nc = await connect({ servers: TEST_NATS_URL });
  // Ingestion's stream, as ingestion provisions it: auth's consumer reads it.
  await createBus(nc, { service: "ingestion", namespace, logger: silent }).provision();
  auth = await startInProcess({
    configSchema: authConfigSchema,
    start: startAuthService,
    namespace,
    env: { AUTH_LINK_TOKEN_KEY: `${LINK_KEY.keyId}:${LINK_KEY.key.toString("base64url")}` },
  });
  user = await startInProcess({ configSchema: userConfigSchema, start: startUserService, namespace });
  caller = createBus(nc, { service: "api-gateway", namespace, logger: silent });
  await createBus(nc, { service: "memory", namespace, logger: silent }).consume({
    name: "test-user-events",
    stream: "user",
    filterSubjects: ["evt.user.user.erased"],
    handler: async (envelope) => {
      userEvents.push(envelope);
    },
  });
});

afterAll(async () => {
  await user?.stop();
  await auth?.stop();
  await nc?.close();
});

const harness = () => ({ auth, nc, caller, advanceClock() {}, stop: async () => {} });

interface Change {
  subject: string;
  change: "created" | "updated" | "deleted";
  email?: string;
  emailVerified?: boolean;
  name?: string;
}

async function publishChange(change: Change, eventId: string = randomUUID()): Promise<EventEnvelope> {
  const { emailVerified = false, ...rest } = change;
  const envelope: EventEnvelope = {
    eventId,
    type: "ingestion.identity.changed",
    version: 1,
    streamId: `identity-clerk:${change.subject}`,
    streamVersion: 1,
    globalPosition: "1",
    occurredAt: new Date().toISOString(),
    data: {
      issuer: "clerk",
      ...rest,
      emailVerified,
      deliveryId: `msg_${randomUUID()}`,
      receivedAt: new Date().toISOString(),
    },
    metadata: { requestId: `hook-${eventId}`, actor: "system:ingestion" },
  };
  const subject = busNames(auth.namespace).subject("evt.ingestion.identity.changed");
  await jetstream(nc).publish(subject, JSON.stringify(envelope), { msgID: `${eventId}-${randomUUID()}` });
  return envelope;
}

async function processed(eventId: string): Promise<void> {
  await eventually(async () => {
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from auth.processed_events
      where consumer = 'on-identity-changed' and event_id = ${eventId}`.execute(auth.database.db);
    return (rows[0]?.count ?? 0) > 0 ? true : undefined;
  });
}

async function identityAccount(subject: string): Promise<string | undefined> {
  const { rows } = await sql<{ account_id: string }>`
    select account_id from auth.oauth_identities
    where issuer = 'identity-hook:clerk' and subject = ${subject}`.execute(auth.database.db);
  return rows[0]?.account_id;
}

async function accountsWithEmail(email: string): Promise<number> {
  const { rows } = await sql<{ count: number }>`
    select count(*)::int as count from auth.accounts where email_normalized = ${email.toLowerCase()}`.execute(
    auth.database.db,
  );
  return rows[0]?.count ?? 0;
}

async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const getAccount = (accountId: string) => caller.request(accountsGet, { accountId }, systemContext("test"));

async function verifiedPasswordAccount(email: string): Promise<string> {
  const pair = await caller.request(accountsRegister, { email, password: "a long passphrase" }, ctx());
  const token = await latestLinkToken(harness(), pair.user.id, "email-verification");
  await caller.request(emailVerify, { token }, ctx());
  return pair.user.id;
}

describe("identities from an identity hook", () => {
  it("makes an account without a password for a new identity, verified as the provider said, with its name", async () => {
    const subject = `user_${randomUUID()}`;
    const email = `new-${randomUUID().slice(0, 8)}@example.test`;
    const event = await publishChange({
      subject,
      change: "created",
      email,
      emailVerified: true,
      name: "Nia New",
    });
    await processed(event.eventId);
    const accountId = await identityAccount(subject);
    if (accountId === undefined) throw new Error("no account for the identity");
    expect(await getAccount(accountId)).toMatchObject({ email, emailVerified: true, displayName: "Nia New" });
    for (const password of ["", "a long passphrase", "another passphrase"]) {
      await expect(
        caller.request(sessionsLogin, { email, password: password || "x".repeat(8) }, ctx()),
      ).rejects.toMatchObject({ status: 401, code: "auth.invalid_credentials" });
    }
    const profile = await eventually(() => caller.request(meGet, {}, { requestId: "r", actor: accountId }));
    expect(profile).toMatchObject({ id: accountId, displayName: "Nia New" });

    // The same event again, redelivered: nothing more.
    await publishChange({ subject, change: "created", email, emailVerified: true }, event.eventId);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await accountsWithEmail(email)).toBe(1);
  });

  it("does not count an address the provider did not verify as verified", async () => {
    const subject = `user_${randomUUID()}`;
    const email = `unverified-${randomUUID().slice(0, 8)}@example.test`;
    const event = await publishChange({ subject, change: "created", email, emailVerified: false });
    await processed(event.eventId);
    const accountId = await identityAccount(subject);
    if (accountId === undefined) throw new Error("no account for the identity");
    expect(await getAccount(accountId)).toMatchObject({ email, emailVerified: false });
    // A verification link went out, as at a password sign-up.
    expect(await latestLinkToken(harness(), accountId, "email-verification")).toBeTruthy();

    // Once the provider verifies that same address, the account takes its word for it.
    const updated = await publishChange({ subject, change: "updated", email, emailVerified: true });
    await processed(updated.eventId);
    expect(await getAccount(accountId)).toMatchObject({ emailVerified: true });
  });

  it("links a verified provider email to the existing account that verified it, without a second account", async () => {
    const email = `Linked.${randomUUID().slice(0, 8)}@Example.test`;
    const accountId = await verifiedPasswordAccount(email);
    const subject = `user_${randomUUID()}`;
    const event = await publishChange({
      subject,
      change: "created",
      email: email.toLowerCase(),
      emailVerified: true,
    });
    await processed(event.eventId);
    expect(await identityAccount(subject)).toBe(accountId);
    expect(await accountsWithEmail(email)).toBe(1);
  });

  it("never links on an email one side did not verify, and makes no second account for that email", async () => {
    // The attacker's side: the provider did not verify the address.
    const victim = `victim-${randomUUID().slice(0, 8)}@example.test`;
    const victimId = await verifiedPasswordAccount(victim);
    const unverified = await publishChange({
      subject: `user_${randomUUID()}`,
      change: "created",
      email: victim,
      emailVerified: false,
    });
    await processed(unverified.eventId);
    // The account's side: someone registered the address but never proved it.
    const squatted = `squatted-${randomUUID().slice(0, 8)}@example.test`;
    await caller.request(accountsRegister, { email: squatted, password: "a long passphrase" }, ctx());
    const subject = `user_${randomUUID()}`;
    const verified = await publishChange({
      subject,
      change: "created",
      email: squatted,
      emailVerified: true,
    });
    await processed(verified.eventId);

    const { rows } = await sql<{ subject: string }>`
      select subject from auth.oauth_identities where subject in (${(unverified.data as Change).subject}, ${subject})`.execute(
      auth.database.db,
    );
    expect(rows).toEqual([]);
    expect(await accountsWithEmail(victim)).toBe(1);
    expect(await accountsWithEmail(squatted)).toBe(1);
    expect(await getAccount(victimId)).toMatchObject({ email: victim, emailVerified: true });
  });

  it("erases the account of a deleted identity across services, and ignores a deleted identity it never knew", async () => {
    const subject = `user_${randomUUID()}`;
    const email = `deleted-${randomUUID().slice(0, 8)}@example.test`;
    const created = await publishChange({
      subject,
      change: "created",
      email,
      emailVerified: true,
      name: "Del",
    });
    await processed(created.eventId);
    const accountId = await identityAccount(subject);
    if (accountId === undefined) throw new Error("no account for the identity");
    await eventually(() => caller.request(meGet, {}, { requestId: "r", actor: accountId }));

    const deleted = await publishChange({ subject, change: "deleted" });
    await processed(deleted.eventId);
    await eventually(async () =>
      userEvents.some((envelope) => (envelope.data as { userId?: string }).userId === accountId)
        ? true
        : undefined,
    );
    await expect(caller.request(meGet, {}, { requestId: "r", actor: accountId })).rejects.toMatchObject({
      status: 404,
    });
    await eventually(() =>
      getAccount(accountId).then(
        () => undefined,
        (error: unknown) => error,
      ),
    );
    expect(await accountsWithEmail(email)).toBe(0);
    expect(await identityAccount(subject)).toBeUndefined();

    const stranger = await publishChange({ subject: `user_${randomUUID()}`, change: "deleted" });
    await processed(stranger.eventId);
  });

  it("takes a provider's new name as the display name, and leaves a name set here alone until the provider renames", async () => {
    const subject = `user_${randomUUID()}`;
    const email = `renamed-${randomUUID().slice(0, 8)}@example.test`;
    const created = await publishChange({
      subject,
      change: "created",
      email,
      emailVerified: true,
      name: "Old Name",
    });
    await processed(created.eventId);
    const accountId = await identityAccount(subject);
    if (accountId === undefined) throw new Error("no account for the identity");
    const asUser = { requestId: "r", actor: accountId };
    await eventually(() => caller.request(meGet, {}, asUser));

    const renamed = await publishChange({
      subject,
      change: "updated",
      email,
      emailVerified: true,
      name: "New Name",
    });
    await processed(renamed.eventId);
    await eventually(async () => {
      const profile = await caller.request(meGet, {}, asUser);
      return profile.displayName === "New Name" ? profile : undefined;
    });

    // The person renames themselves here; an update from the provider that does not rename keeps it.
    await caller.request(meUpdate, { displayName: "Chosen Here" }, asUser);
    const same = await publishChange({
      subject,
      change: "updated",
      email,
      emailVerified: true,
      name: "New Name",
    });
    await processed(same.eventId);
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from auth.events
      where stream_id = ${`account-${accountId}`} and type = 'auth.account.name_changed'`.execute(
      auth.database.db,
    );
    expect(rows[0]?.count).toBe(1);
    expect(await caller.request(meGet, {}, asUser)).toMatchObject({ displayName: "Chosen Here" });
  });

  it("moves the account to a new address the provider verified, unless another account has it", async () => {
    const subject = `user_${randomUUID()}`;
    const first = `first-${randomUUID().slice(0, 8)}@example.test`;
    const created = await publishChange({ subject, change: "created", email: first, emailVerified: true });
    await processed(created.eventId);
    const accountId = await identityAccount(subject);
    if (accountId === undefined) throw new Error("no account for the identity");
    const asUser = { requestId: "r", actor: accountId };
    await eventually(() => caller.request(meGet, {}, asUser));

    // Not verified at the provider: the account keeps its address.
    const unverified = `unverified-${randomUUID().slice(0, 8)}@example.test`;
    const notYet = await publishChange({
      subject,
      change: "updated",
      email: unverified,
      emailVerified: false,
    });
    await processed(notYet.eventId);
    expect(await getAccount(accountId)).toMatchObject({ email: first, emailVerified: true });

    // Another account's address: not taken over.
    const other = `other-${randomUUID().slice(0, 8)}@example.test`;
    await verifiedPasswordAccount(other);
    const taken = await publishChange({ subject, change: "updated", email: other, emailVerified: true });
    await processed(taken.eventId);
    expect(await getAccount(accountId)).toMatchObject({ email: first });
    expect(await accountsWithEmail(other)).toBe(1);

    const second = `second-${randomUUID().slice(0, 8)}@example.test`;
    const moved = await publishChange({ subject, change: "updated", email: second, emailVerified: true });
    await processed(moved.eventId);
    expect(await getAccount(accountId)).toMatchObject({ email: second, emailVerified: true });
    expect(await accountsWithEmail(first)).toBe(0);
    await eventually(async () => {
      const profile = await caller.request(meGet, {}, asUser);
      return profile.email === second ? profile : undefined;
    });
    // The old address is free again for someone else.
    await caller.request(accountsRegister, { email: first, password: "a long passphrase" }, ctx());
  });

  it("lets only the platform call svc.user.users.erase", async () => {
    const victim = randomUUID();
    await expect(
      caller.request(usersErase, { userId: victim }, { requestId: "r", actor: randomUUID() }),
    ).rejects.toMatchObject({ status: 403, code: "auth.forbidden" });
    await expect(caller.request(usersErase, { userId: victim }, { requestId: "r" })).rejects.toMatchObject({
      status: 403,
    });
  });
});
