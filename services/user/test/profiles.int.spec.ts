import { randomUUID } from "node:crypto";
import { accessGet, adminRolesGrant, meGet, meUpdate, PREFERENCES_MAX_BYTES } from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ctx,
  eventually,
  type Harness,
  publishEvent,
  registeredEvent,
  registerUser,
  startHarness,
} from "./support.ts";

let h: Harness;
const BOOTSTRAP = "Root.Admin@Example.com";

beforeAll(async () => {
  h = await startHarness("userprof", { BOOTSTRAP_ADMIN_EMAIL: BOOTSTRAP });
});

afterAll(async () => {
  await h?.stop();
});

describe("user profiles", () => {
  it("creates the profile once when the same registration is delivered twice", async () => {
    const accountId = randomUUID();
    const event = registeredEvent(accountId, "Mary@Example.com");
    // Two different message ids get past JetStream's duplicate window: a true redelivery.
    await publishEvent(h, event, `${event.eventId}-a`);
    await publishEvent(h, event, `${event.eventId}-b`);
    const marker = await registerUser(h);
    expect(marker.userId).toBeTruthy();

    const profile = await h.caller.request(meGet, {}, ctx(accountId));
    expect(profile).toMatchObject({ id: accountId, email: "Mary@Example.com", roles: [], preferences: {} });
    const { rows } = await sql<{ profiles: number; events: number }>`
      select (select count(*) from users.profiles where user_id = ${accountId})::int as profiles,
             (select count(*) from users.events where stream_id = ${`user-${accountId}`})::int as events
    `.execute(h.user.database.db);
    expect(rows[0]).toEqual({ profiles: 1, events: 1 });
  });

  it("answers 404 user.not_found for an account without a profile", async () => {
    await expect(h.caller.request(meGet, {}, ctx(randomUUID()))).rejects.toMatchObject({
      status: 404,
      code: "user.not_found",
    });
  });

  it("changes the display name and deep-merges preferences, null deleting a key", async () => {
    const { userId } = await registerUser(h);
    await h.caller.request(
      meUpdate,
      { displayName: "  Ada  ", preferences: { theme: "dark", editor: { tabs: 2, font: "mono" } } },
      ctx(userId),
    );
    const updated = await h.caller.request(
      meUpdate,
      { preferences: { theme: null, editor: { tabs: 4 } } },
      ctx(userId),
    );
    expect(updated).toMatchObject({ displayName: "Ada", preferences: { editor: { tabs: 4, font: "mono" } } });
    const cleared = await h.caller.request(meUpdate, { displayName: null }, ctx(userId));
    expect(cleared.displayName).toBeNull();
    expect(await h.caller.request(meGet, {}, ctx(userId))).toEqual(cleared);
  });

  it("refuses a bad display name or oversized preferences with 400 and field errors", async () => {
    const { userId } = await registerUser(h);
    await expect(
      h.caller.request(meUpdate, { displayName: "x".repeat(101) }, ctx(userId)),
    ).rejects.toMatchObject({
      status: 400,
      code: "validation.failed",
      errors: [expect.objectContaining({ field: "displayName" })],
    });
    const half = "y".repeat(PREFERENCES_MAX_BYTES / 2);
    await h.caller.request(meUpdate, { preferences: { a: half } }, ctx(userId));
    await expect(h.caller.request(meUpdate, { preferences: { b: half } }, ctx(userId))).rejects.toMatchObject(
      {
        status: 400,
        errors: [expect.objectContaining({ field: "preferences" })],
      },
    );
    expect((await h.caller.request(meGet, {}, ctx(userId))).preferences).toEqual({ a: half });
  });

  it("stores the email, display name and preferences only sealed in the event store", async () => {
    const { userId, email } = await registerUser(h);
    await h.caller.request(
      meUpdate,
      { displayName: "Grace H", preferences: { city: "Arlington" } },
      ctx(userId),
    );
    const { rows } = await sql<{ data: string }>`
      select data::text as data from users.events where stream_id = ${`user-${userId}`}`.execute(
      h.user.database.db,
    );
    const stored = rows.map((row) => row.data).join("\n");
    expect(stored).toContain(userId);
    for (const secret of [email, "Grace H", "Arlington"]) expect(stored).not.toContain(secret);
  });

  it("makes the BOOTSTRAP_ADMIN_EMAIL account platform admin, whatever the case", async () => {
    const admin = await registerUser(h, BOOTSTRAP.toLowerCase());
    const other = await registerUser(h);
    const profile = await eventually(async () => {
      const read = await h.caller.request(meGet, {}, ctx(admin.userId));
      return read.roles.length > 0 ? read : undefined;
    });
    expect(profile.roles).toEqual(["admin"]);
    expect(await h.caller.request(accessGet, { userId: admin.userId }, ctx("system:test"))).toEqual({
      platformRoles: ["admin"],
      projectRole: null,
    });
    expect((await h.caller.request(meGet, {}, ctx(other.userId))).roles).toEqual([]);
  });

  it("changes platform roles only for system actors, never for a signed-in user", async () => {
    const { userId, email } = await registerUser(h);
    await expect(h.caller.request(adminRolesGrant, { email }, ctx(userId))).rejects.toMatchObject({
      status: 403,
      code: "auth.forbidden",
    });
    expect((await h.caller.request(meGet, {}, ctx(userId))).roles).toEqual([]);
    expect(await h.caller.request(adminRolesGrant, { email }, ctx("system:test"))).toMatchObject({
      changed: true,
    });
  });
});
