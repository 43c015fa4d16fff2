import { jetstreamManager } from "@nats-io/jetstream";
import {
  accountsRegister,
  EventEnvelopeSchema,
  passwordChange,
  REVOKED_SESSIONS_KV,
  sessionsList,
  sessionsLogin,
  sessionsLogout,
  sessionsRefresh,
  sessionsRevoke,
  type TokenPair,
} from "@tessera/contracts";
import { decodeJwt } from "jose";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthHarness, ctx, startAuth } from "./support.ts";

let h: AuthHarness;
let emails = 0;
const password = "a perfectly fine passphrase";

beforeAll(async () => {
  h = await startAuth();
});

afterAll(async () => {
  await h?.stop();
});

const register = (): Promise<TokenPair> =>
  h.caller.request(accountsRegister, { email: `s${++emails}@example.com`, password }, ctx());
const login = (email: string): Promise<TokenPair> =>
  h.caller.request(sessionsLogin, { email, password }, ctx());
const refresh = (refreshToken: string) => h.caller.request(sessionsRefresh, { refreshToken }, ctx());
/** The context the gateway builds from an access token. */
const as = (pair: TokenPair) => {
  const claims = decodeJwt(pair.accessToken);
  return ctx({ actor: String(claims.sub), sessionId: String(claims.sid) });
};
const sessionOf = (pair: TokenPair) => String(decodeJwt(pair.accessToken).sid);

async function revokedSessionKey(sessionId: string, timeoutMs = 5_000): Promise<string | undefined> {
  const kv = await h.caller.kv(REVOKED_SESSIONS_KV.bucket);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entry = await kv.get(sessionId);
    if (entry && entry.operation === "PUT") return entry.string();
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("refresh tokens", () => {
  it("rotates the refresh token on every use and keeps the session", async () => {
    const first = await register();
    const second = await refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(sessionOf(second)).toBe(sessionOf(first));
    expect(second.user).toEqual(first.user);
    const third = await refresh(second.refreshToken);
    expect(sessionOf(third)).toBe(sessionOf(first));
  });

  it("revokes the whole family when a rotated refresh token is reused", async () => {
    const first = await register();
    const second = await refresh(first.refreshToken);
    await expect(refresh(first.refreshToken)).rejects.toMatchObject({
      code: "auth.refresh_reused",
      status: 401,
    });
    // The family is gone: its newest token no longer works either, and the reuse still reads as one.
    await expect(refresh(second.refreshToken)).rejects.toMatchObject({ code: "auth.invalid_refresh_token" });
    await expect(refresh(first.refreshToken)).rejects.toMatchObject({ code: "auth.refresh_reused" });
    expect(await revokedSessionKey(sessionOf(first))).toBeDefined();
  });

  it("publishes evt.auth.session.compromised without any token hash", async () => {
    const first = await register();
    await refresh(first.refreshToken);
    await expect(refresh(first.refreshToken)).rejects.toMatchObject({ code: "auth.refresh_reused" });
    const jsm = await jetstreamManager(h.nc);
    const names = h.caller.names;
    let envelope: ReturnType<typeof EventEnvelopeSchema.parse> | undefined;
    for (let tries = 0; tries < 100 && !envelope; tries++) {
      const message = await jsm.streams
        .getMessage(names.eventStream("auth"), {
          last_by_subj: names.subject("evt.auth.session.compromised"),
        })
        .catch(() => null);
      const parsed = message ? EventEnvelopeSchema.parse(message.json()) : undefined;
      if (parsed && (parsed.data as { sessionId?: string }).sessionId === sessionOf(first)) envelope = parsed;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(envelope?.data).toMatchObject({ sessionId: sessionOf(first), accountId: first.user.id });
    expect(Object.keys(envelope?.data ?? {}).sort()).toEqual([
      "accountId",
      "detectedAt",
      "familyId",
      "sessionId",
    ]);
  });

  it("leaves at most one live family when the same token is refreshed in parallel", async () => {
    const pair = await register();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => refresh(pair.refreshToken)));
    const won = results.filter((result) => result.status === "fulfilled");
    expect(won.length).toBeLessThanOrEqual(1);
    for (const result of results) {
      if (result.status === "rejected") {
        expect(["auth.refresh_reused", "auth.invalid_refresh_token"]).toContain(result.reason.code);
      }
    }
    const { rows } = await sql<{ live: number }>`
      select count(*)::int as live from auth.sessions where account_id = ${pair.user.id} and revoked_at is null
    `.execute(h.auth.database.db);
    expect(rows[0]?.live).toBeLessThanOrEqual(1);
    const usable = await Promise.allSettled(
      won.map((result) =>
        result.status === "fulfilled" ? refresh(result.value.refreshToken) : Promise.reject(),
      ),
    );
    expect(usable.filter((result) => result.status === "fulfilled").length).toBeLessThanOrEqual(1);
  });

  it("refuses a refresh token after the idle lifetime", async () => {
    const pair = await register();
    h.advanceClock(7 * 24 * 60 * 60 * 1000 + 1000);
    try {
      await expect(refresh(pair.refreshToken)).rejects.toMatchObject({ code: "auth.invalid_refresh_token" });
    } finally {
      h.advanceClock(-(7 * 24 * 60 * 60 * 1000 + 1000));
    }
  });

  it("refuses an unknown refresh token with 401", async () => {
    await expect(refresh("A".repeat(43))).rejects.toMatchObject({
      code: "auth.invalid_refresh_token",
      status: 401,
    });
  });
});

describe("sessions", () => {
  it("lists the caller's live sessions, newest first, marking the current one, page by page", async () => {
    const first = await register();
    const others = [await login(first.user.email), await login(first.user.email)];
    const newest = others[1] as TokenPair;
    const page1 = await h.caller.request(sessionsList, { limit: 2 }, as(newest));
    expect(page1.items.map((item) => item.id)).toEqual([
      sessionOf(newest),
      sessionOf(others[0] as TokenPair),
    ]);
    expect(page1.items.map((item) => item.current)).toEqual([true, false]);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = await h.caller.request(
      sessionsList,
      { limit: 2, cursor: page1.nextCursor ?? undefined },
      as(newest),
    );
    expect(page2.items.map((item) => item.id)).toEqual([sessionOf(first)]);
    expect(page2.nextCursor).toBeNull();
    expect(page2.items[0]).toMatchObject({ method: "register", current: false });
  });

  it("refuses a forged cursor with 400", async () => {
    const pair = await register();
    await expect(
      h.caller.request(sessionsList, { limit: 5, cursor: "bm90LWEtY3Vyc29y" }, as(pair)),
    ).rejects.toMatchObject({
      status: 400,
      code: "validation.failed",
    });
  });

  it("revokes one of the caller's sessions, names it in the answer and puts it on the gateway's deny-list", async () => {
    const first = await register();
    const second = await login(first.user.email);
    await expect(
      h.caller.request(sessionsRevoke, { sessionId: sessionOf(first) }, as(second)),
    ).resolves.toEqual({ revokedSessionIds: [sessionOf(first)] });
    const listed = await h.caller.request(sessionsList, { limit: 50 }, as(second));
    expect(listed.items.map((item) => item.id)).toEqual([sessionOf(second)]);
    await expect(refresh(first.refreshToken)).rejects.toMatchObject({ code: "auth.invalid_refresh_token" });
    expect(Date.parse(String(await revokedSessionKey(sessionOf(first))))).not.toBeNaN();
  });

  it("answers 404 when revoking another user's session, and leaves it alone", async () => {
    const victim = await register();
    const intruder = await register();
    await expect(
      h.caller.request(sessionsRevoke, { sessionId: sessionOf(victim) }, as(intruder)),
    ).rejects.toMatchObject({ status: 404, code: "auth.session_not_found" });
    await expect(refresh(victim.refreshToken)).resolves.toMatchObject({ user: victim.user });
  });

  it("logs out the session of the refresh token, and ignores another user's token", async () => {
    const pair = await register();
    const stranger = await register();
    await expect(
      h.caller.request(sessionsLogout, { refreshToken: stranger.refreshToken }, as(pair)),
    ).resolves.toEqual({ revokedSessionIds: [] });
    await expect(refresh(stranger.refreshToken)).resolves.toBeDefined();
    await expect(
      h.caller.request(sessionsLogout, { refreshToken: pair.refreshToken }, as(pair)),
    ).resolves.toEqual({ revokedSessionIds: [sessionOf(pair)] });
    await expect(refresh(pair.refreshToken)).rejects.toMatchObject({ code: "auth.invalid_refresh_token" });
    expect(await revokedSessionKey(sessionOf(pair))).toBeDefined();
  });

  it("changes the password, keeps the current session and revokes every other one", async () => {
    const current = await register();
    const other = await login(current.user.email);
    const newPassword = "another fine passphrase";
    await expect(
      h.caller.request(passwordChange, { currentPassword: password, newPassword }, as(current)),
    ).resolves.toEqual({ revokedSessionIds: [sessionOf(other)] });
    await expect(refresh(other.refreshToken)).rejects.toMatchObject({ code: "auth.invalid_refresh_token" });
    expect(await revokedSessionKey(sessionOf(other))).toBeDefined();
    const kept = await refresh(current.refreshToken);
    expect(sessionOf(kept)).toBe(sessionOf(current));
    await expect(login(current.user.email)).rejects.toMatchObject({ code: "auth.invalid_credentials" });
    await expect(
      h.caller.request(sessionsLogin, { email: current.user.email, password: newPassword }, ctx()),
    ).resolves.toBeDefined();
  });

  it("changes nothing when revoking one of the other sessions fails midway", async () => {
    const current = await register();
    const first = await login(current.user.email);
    const second = await login(current.user.email);
    const db = h.auth.database.db;
    // Postgres refuses the revocation of `second` only: a crash midway, as far as the change can tell.
    await sql`
      create function auth.refuse_one_revocation() returns trigger language plpgsql as $$
      begin
        if new.type = 'auth.session.revoked' and new.stream_id = ${sql.lit(`session-${sessionOf(second)}`)} then
          raise exception 'injected failure';
        end if;
        return new;
      end $$`.execute(db);
    await sql`create trigger refuse_one_revocation before insert on auth.events
      for each row execute function auth.refuse_one_revocation()`.execute(db);
    try {
      await expect(
        h.caller.request(
          passwordChange,
          { currentPassword: password, newPassword: "a changed passphrase" },
          as(current),
        ),
      ).rejects.toMatchObject({ status: 500 });
    } finally {
      await sql`drop trigger refuse_one_revocation on auth.events`.execute(db);
      await sql`drop function auth.refuse_one_revocation()`.execute(db);
    }
    // The old password still signs in, and both other sessions live on: no half-done change.
    await expect(login(current.user.email)).resolves.toBeDefined();
    await expect(refresh(first.refreshToken)).resolves.toBeDefined();
    await expect(refresh(second.refreshToken)).resolves.toBeDefined();
    const { rows } = await sql<{ type: string }>`
      select type from auth.events
       where stream_id in (${`account-${current.user.id}`}, ${`session-${sessionOf(first)}`})
         and type in ('auth.password.changed', 'auth.session.revoked')`.execute(db);
    expect(rows).toEqual([]);
  });

  it("refuses a password change with a wrong current password or a common new one", async () => {
    const pair = await register();
    await expect(
      h.caller.request(
        passwordChange,
        { currentPassword: "not my password", newPassword: "fresh passphrase!" },
        as(pair),
      ),
    ).rejects.toMatchObject({ status: 400, code: "auth.current_password_incorrect" });
    await expect(
      h.caller.request(passwordChange, { currentPassword: password, newPassword: "iloveyou123" }, as(pair)),
    ).rejects.toMatchObject({
      status: 400,
      code: "auth.password_too_common",
      errors: [{ field: "newPassword", message: expect.any(String) }],
    });
  });

  it("refuses the session operations without a verified caller", async () => {
    await expect(h.caller.request(sessionsList, { limit: 5 }, ctx())).rejects.toMatchObject({
      status: 401,
      code: "auth.unauthenticated",
    });
  });
});
