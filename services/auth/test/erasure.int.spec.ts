import { randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { busNames, createBus } from "@tessera/bus";
import {
  accountsRegister,
  type EventEnvelope,
  passwordForgot,
  passwordReset,
  REVOKED_SESSIONS_KV,
  sessionsLogin,
  sessionsRefresh,
  type TokenPair,
} from "@tessera/contracts";
import { ERASED_PLACEHOLDER, rebuildProjection } from "@tessera/eventstore";
import { decodeJwt } from "jose";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authReadModel, authStores } from "../src/infra/auth-store.ts";
import { type AuthHarness, ctx, latestLinkToken, startAuth } from "./support.ts";

let h: AuthHarness;
const password = "an erasable passphrase";
const silent = { info() {}, warn() {}, error() {}, debug() {} };

beforeAll(async () => {
  h = await startAuth();
  // The user service's stream, as `user` provisions it: auth's erasure consumer reads it.
  await createBus(h.nc, { service: "user", namespace: h.auth.namespace, logger: silent }).provision();
});

afterAll(async () => {
  await h?.stop();
});

const db = () => h.auth.database.db;

/** Every table of the auth schema whose rows, as text, mention `needle` (case ignored). */
async function tablesMentioning(needle: string): Promise<string[]> {
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
     where table_schema = 'auth' and table_type = 'BASE TABLE'`.execute(db());
  const found: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from ${sql.table(`auth.${table_name}`)} as t
       where strpos(lower(t::text), ${needle.toLowerCase()}) > 0`.execute(db());
    if ((rows[0]?.count ?? 0) > 0) found.push(table_name);
  }
  return found.sort();
}

function erasedEvent(userId: string): EventEnvelope {
  return {
    eventId: randomUUID(),
    type: "user.user.erased",
    version: 1,
    streamId: `profile-${userId}`,
    streamVersion: 2,
    globalPosition: "1",
    occurredAt: new Date().toISOString(),
    data: { userId, erasedAt: new Date().toISOString() },
    metadata: { requestId: `erase-${userId}`, actor: userId },
  };
}

async function publish(envelope: EventEnvelope, msgId = envelope.eventId): Promise<void> {
  const subject = busNames(h.auth.namespace).subject(`evt.${envelope.type}`);
  await jetstream(h.nc).publish(subject, JSON.stringify(envelope), { msgID: msgId });
}

async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function count(query: ReturnType<typeof sql<{ count: number }>>): Promise<number> {
  const { rows } = await query.execute(db());
  return rows[0]?.count ?? 0;
}

const register = (email: string): Promise<TokenPair> =>
  h.caller.request(accountsRegister, { email, password }, ctx());
const login = (email: string): Promise<TokenPair> =>
  h.caller.request(sessionsLogin, { email, password }, ctx());

describe("erasure in auth", () => {
  it("keeps the email and password hash out of stored events from the start", async () => {
    const email = `Sealed.${randomUUID().slice(0, 8)}@Example.com`;
    const pair = await register(email);
    await h.caller.request(passwordForgot, { email }, ctx());
    await latestLinkToken(h, pair.user.id, "password-reset");
    const { rows } = await sql<{ password_hash: string }>`
      select password_hash from auth.accounts where account_id = ${pair.user.id}`.execute(db());
    const hash = rows[0]?.password_hash ?? "missing";
    expect(await tablesMentioning(email)).toEqual(["accounts"]);
    expect(await tablesMentioning(hash)).toEqual(["accounts"]);
  });

  it("forgets the account on evt.user.user.erased: no email anywhere in auth, no way back in, and the email can register again", async () => {
    const email = `Erin.${randomUUID().slice(0, 8)}@Example.com`;
    const first = await register(email);
    const accountId = first.user.id;
    const second = await login(email);
    await h.caller.request(passwordForgot, { email }, ctx());
    const resetToken = await latestLinkToken(h, accountId, "password-reset");
    await expect(
      h.caller.request(
        sessionsLogin,
        { email, password: "a wrong passphrase" },
        ctx({ clientIp: "10.9.9.9" }),
      ),
    ).rejects.toMatchObject({ status: 401 });
    const { rows } = await sql<{ password_hash: string }>`
      select password_hash from auth.accounts where account_id = ${accountId}`.execute(db());
    const hash = rows[0]?.password_hash ?? "missing";
    const keptEmail = `Kept.${randomUUID().slice(0, 8)}@Example.com`;
    await register(keptEmail);
    const throttleRows = sql<{
      count: number;
    }>`select count(*)::int as count from auth.login_failures where key like 'account:%'`;
    const throttledBefore = await count(throttleRows);

    const erasure = erasedEvent(accountId);
    await publish(erasure);
    await eventually(async () =>
      (await count(sql`select count(*)::int as count from auth.accounts where account_id = ${accountId}`)) ===
      0
        ? true
        : undefined,
    );

    expect(await tablesMentioning(email)).toEqual([]);
    expect(await tablesMentioning(hash)).toEqual([]);
    expect(await count(throttleRows)).toBe(throttledBefore - 1);
    const { rows: keys } = await sql<{ key: Buffer | null }>`
      select key from auth.personal_data_keys where subject_id = ${accountId}`.execute(db());
    expect(keys).toEqual([{ key: null }]);
    expect(
      await count(sql`select count(*)::int as count from auth.sessions
                       where account_id = ${accountId} and revoke_reason = 'account_erased'`),
    ).toBe(2);

    await expect(login(email)).rejects.toMatchObject({ status: 401, code: "auth.invalid_credentials" });
    for (const pair of [first, second]) {
      await expect(
        h.caller.request(sessionsRefresh, { refreshToken: pair.refreshToken }, ctx()),
      ).rejects.toMatchObject({ status: 401 });
    }
    await expect(
      h.caller.request(passwordReset, { token: resetToken, newPassword: "a brand new passphrase" }, ctx()),
    ).rejects.toMatchObject({ status: 400, code: "auth.reset_token_invalid" });
    const revoked = await h.caller.kv(REVOKED_SESSIONS_KV.bucket);
    for (const pair of [first, second]) {
      const sessionId = String(decodeJwt(pair.accessToken).sid);
      await eventually(async () => ((await revoked.get(sessionId))?.string() ? true : undefined));
    }

    // Replaying auth's store rebuilds the read models without the erased person.
    await rebuildProjection(h.auth.running.runtime.db, { schema: "auth", projection: authReadModel });
    expect(await tablesMentioning(email)).toEqual([]);
    expect(await login(keptEmail)).toMatchObject({ user: { email: keptEmail } });
    await expect(login(email)).rejects.toMatchObject({ status: 401 });
    const { rows: stored } = await sql<{ data: { email: unknown; $sealed: unknown } }>`
      select data from auth.events where stream_id = ${`account-${accountId}`} and type = 'auth.account.registered'`.execute(
      db(),
    );
    expect(stored[0]?.data.$sealed).toEqual(["email", "passwordHash"]);
    expect(await authStores.vault(db()).open(stored[0]?.data)).toMatchObject({
      email: ERASED_PLACEHOLDER,
      passwordHash: ERASED_PLACEHOLDER,
    });

    // A redelivery has no second effect; the email is free for a new account.
    const before = await count(sql`select count(*)::int as count from auth.events`);
    await publish(erasure, `${erasure.eventId}-again`);
    const again = await register(email);
    expect(again.user.id).not.toBe(accountId);
    const newEvents = await count(
      sql`select count(*)::int as count from auth.events
           where stream_id = ${`account-${again.user.id}`} or metadata->>'actor' = ${again.user.id}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await count(sql`select count(*)::int as count from auth.events`)).toBe(before + newEvents);
    expect(await login(email)).toMatchObject({ user: { id: again.user.id } });
  });
});
