import { ProfileSchema, type TokenPair, TokenPairSchema } from "@tessera/contracts";
import { TEST_PASSWORD as password, stackClient, uniqueEmail } from "@tessera/testing";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { useStack } from "../support/stack.ts";

const stack = useStack();
const { call, post, register, eventually } = stackClient(() => stack.gatewayUrl);
/** Accounts that keep their profile, and accounts erased right after registering. */
const kept: TokenPair[] = [];
const erased: TokenPair[] = [];

async function newAccount(into: TokenPair[] = kept): Promise<TokenPair> {
  const pair = await register();
  into.push(pair);
  return pair;
}

async function count(query: ReturnType<typeof sql<{ count: number }>>): Promise<number> {
  return (await query.execute(stack.database.db)).rows[0]?.count ?? 0;
}

describe("a new account reads its own writes at once", () => {
  it("answers GET /v1/users/me with 200 right after registering, 50 times in a row", async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 50; attempt++) {
      const pair = await newAccount();
      const me = await call("GET", "/v1/users/me", pair.accessToken);
      statuses.push(me.status);
      if (me.status === 200) {
        expect(ProfileSchema.parse(await me.json())).toMatchObject({
          id: pair.user.id,
          email: pair.user.email,
        });
      }
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });

  it("shows the display name given at sign-up right after registering, 20 times in a row", async () => {
    const names: (string | null)[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const displayName = `Signed up ${attempt}`;
      const response = await post("/v1/auth/register", {
        email: uniqueEmail("named"),
        password,
        displayName,
      });
      expect(response.status).toBe(201);
      const pair = TokenPairSchema.parse(await response.json());
      kept.push(pair);
      const me = await call("GET", "/v1/users/me", pair.accessToken);
      expect(me.status).toBe(200);
      names.push(ProfileSchema.parse(await me.json()).displayName);
    }
    expect(names).toEqual(Array.from({ length: 20 }, (_, attempt) => `Signed up ${attempt}`));
  });

  it("patches the profile right after registering", async () => {
    for (let attempt = 0; attempt < 25; attempt++) {
      const pair = await newAccount();
      const patched = await call("PATCH", "/v1/users/me", pair.accessToken, {
        displayName: `New ${attempt}`,
      });
      expect(patched.status).toBe(200);
      expect(ProfileSchema.parse(await patched.json())).toMatchObject({ displayName: `New ${attempt}` });
    }
  });

  it("erases the account with 202 right after registering, every time", async () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const pair = await newAccount(erased);
      const response = await call("DELETE", "/v1/users/me", pair.accessToken);
      expect(response.status, await response.text()).toBe(202);
    }
    for (const pair of erased) {
      // auth forgets the account on `user.user.erased`: the password opens nothing any more.
      const login = await eventually(
        () => post("/v1/auth/login", { email: pair.user.email, password }),
        (status) => status === 200,
        { timeoutMs: 30_000 },
      );
      expect(login.status).toBe(401);
      expect(
        await count(
          sql`select count(*)::int as count from users.erased_users where user_id = ${pair.user.id}`,
        ),
      ).toBe(1);
    }
  });

  it("ends with exactly one profile per account, whichever of the request and the registration event came first", async () => {
    // Every kept account's registration handled by the profile consumer: none failed on "already
    // exists". (An erased account's registration may leave the bus before it is handled: erasure
    // deletes it there.)
    const streams = (pairs: TokenPair[]) => pairs.map((pair) => `account-${pair.user.id}`);
    const unhandled = async () =>
      count(sql`select count(*)::int as count from auth.events a
                 where a.type = 'auth.account.registered' and a.stream_id in (${sql.join(streams(kept))})
                   and not exists (select 1 from users.processed_events p
                                    where p.consumer = 'on-account-registered' and p.event_id = a.event_id)`);
    const deadline = Date.now() + 30_000;
    while ((await unhandled()) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await unhandled()).toBe(0);
    const created = async (pairs: TokenPair[]) => {
      const ids = pairs.map((pair) => `user-${pair.user.id}`);
      const { rows } = await sql<{ stream_id: string; created: number }>`
        select stream_id, count(*)::int as created from users.events
         where type = 'user.profile.created' and stream_id in (${sql.join(ids)})
         group by stream_id`.execute(stack.database.db);
      return new Map(rows.map((row) => [row.stream_id, row.created]));
    };
    const keptProfiles = await created(kept);
    expect(kept.filter((pair) => keptProfiles.get(`user-${pair.user.id}`) !== 1)).toEqual([]);
    const erasedProfiles = await created(erased);
    expect([...erasedProfiles.values()].filter((profiles) => profiles > 1)).toEqual([]);
  });
});
