import { randomUUID } from "node:crypto";
import { meGet } from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
