import { randomUUID } from "node:crypto";
import { meGet } from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureProfile } from "../src/app/ensure-profile.ts";
import { ctx, eventually, type Harness, publishEvent, registeredEvent, startHarness } from "./support.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness("usersignup");
});

afterAll(async () => {
  await h?.stop();
});

describe("the display name given at sign-up", () => {
  it("becomes the new profile's name, sealed in the store like a later change of it", async () => {
    const accountId = randomUUID();
    const name = `Grace ${randomUUID().slice(0, 8)}`;
    const event = registeredEvent(accountId, "grace@example.com");
    await publishEvent(h, { ...event, data: { ...(event.data as object), displayName: name } });
    const profile = await eventually(() => h.caller.request(meGet, {}, ctx(accountId)));
    expect(profile).toMatchObject({ id: accountId, email: "grace@example.com", displayName: name });

    const { rows } = await sql<{ type: string; text: string }>`
      select type, data::text as text from users.events where stream_id = ${`user-${accountId}`}
       order by stream_version`.execute(h.user.database.db);
    expect(rows.map((row) => row.type)).toEqual(["user.profile.created", "user.profile.updated"]);
    for (const row of rows) expect(row.text).not.toContain(name);
  });

  it("leaves the name empty when the sign-up gave none", async () => {
    const accountId = randomUUID();
    await publishEvent(h, registeredEvent(accountId, "plain@example.com"));
    const profile = await eventually(() => h.caller.request(meGet, {}, ctx(accountId)));
    expect(profile).toMatchObject({ id: accountId, displayName: null });
  });
});

describe("a profile made before the registration event arrives", () => {
  it("carries the sign-up name from auth's account, and the late event changes nothing", async () => {
    const accountId = randomUUID();
    const name = `Ada ${randomUUID().slice(0, 8)}`;
    const db = h.user.running.runtime.db;
    // auth answers as it would for an account whose registration event is still on its way.
    const accounts = async () => ({
      accountId,
      email: "ada@example.com",
      displayName: name,
      registeredAt: new Date().toISOString(),
      emailVerified: false,
    });
    await ensureProfile({ db, clock: () => new Date(), accounts }, accountId, ctx(accountId));
    expect(await h.caller.request(meGet, {}, ctx(accountId))).toMatchObject({ displayName: name });

    const event = registeredEvent(accountId, "ada@example.com");
    await publishEvent(h, { ...event, data: { ...(event.data as object), displayName: name } });
    await eventually(async () => {
      const { rows } = await sql<{ count: number }>`
        select count(*)::int as count from users.processed_events
         where event_id = ${event.eventId} and consumer = 'on-account-registered'`.execute(
        h.user.database.db,
      );
      return rows[0]?.count === 1 ? true : undefined;
    });
    const { rows } = await sql<{ type: string }>`
      select type from users.events where stream_id = ${`user-${accountId}`} order by stream_version`.execute(
      h.user.database.db,
    );
    expect(rows.map((row) => row.type)).toEqual(["user.profile.created", "user.profile.updated"]);
  });
});
