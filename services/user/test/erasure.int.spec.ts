import { jetstreamManager } from "@nats-io/jetstream";
import { busNames } from "@tessera/bus";
import {
  accessGet,
  EventEnvelopeSchema,
  invitationsCreate,
  meErase,
  meGet,
  meUpdate,
  projectsCreate,
} from "@tessera/contracts";
import { rebuildProjection } from "@tessera/eventstore";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userReadModel } from "../src/infra/read-model.ts";
import {
  ctx,
  eventually,
  type Harness,
  joinProject,
  publishEvent,
  registerUser,
  startHarness,
  tablesMentioning,
} from "./support.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness("usererase");
});

afterAll(async () => {
  await h?.stop();
});

async function count(query: ReturnType<typeof sql<{ count: number }>>): Promise<number> {
  const { rows } = await query.execute(h.user.database.db);
  return rows[0]?.count ?? 0;
}

async function erase(userId: string) {
  return h.caller.request(meErase, {}, ctx(userId));
}

async function settled(userId: string) {
  await eventually(async () =>
    (await count(sql`select count(*)::int as count from users.memberships where user_id = ${userId}`)) ===
      0 &&
    (await count(sql`select count(*)::int as count from users.user_history where user_id = ${userId}`)) === 0
      ? true
      : undefined,
  );
}

describe("erasure", () => {
  it("forgets the user's personal data everywhere in the users schema and still replays", async () => {
    const erased = await registerUser(h, `Erin.Erased.${Date.now()}@Example.com`);
    const admin = await registerUser(h);
    const member = await registerUser(h);
    const kept = await registerUser(h);
    const id = (user: { userId: string }) => ctx(user.userId);
    await h.caller.request(
      meUpdate,
      { displayName: "Erin Q. Erased", preferences: { phone: "+4915550001" } },
      id(erased),
    );
    const handedOver = await h.caller.request(projectsCreate, { name: "Handed over" }, id(erased));
    await joinProject(h, handedOver.id, erased.userId, "admin", admin);
    const orphaned = await h.caller.request(projectsCreate, { name: "Orphaned" }, id(erased));
    await joinProject(h, orphaned.id, erased.userId, "member", member);
    const others = await h.caller.request(projectsCreate, { name: "Others" }, id(kept));
    await joinProject(h, others.id, kept.userId, "viewer", erased);
    // Still open at the erasure: it is declined then, and the address forgotten with it.
    const pending = await h.caller.request(projectsCreate, { name: "Pending" }, id(kept));
    await h.caller.request(
      invitationsCreate,
      { projectId: pending.id, email: erased.email.toUpperCase(), role: "member" },
      id(kept),
    );
    await eventually(async () =>
      (await count(
        sql`select count(*)::int as count from users.user_history where user_id = ${erased.userId}`,
      )) > 3
        ? true
        : undefined,
    );

    expect(await erase(erased.userId)).toEqual({ userId: erased.userId, status: "erasure_started" });
    await expect(h.caller.request(meGet, {}, id(erased))).rejects.toMatchObject({ status: 404 });
    await settled(erased.userId);

    for (const secret of [erased.email, "Erin Q. Erased", "+4915550001"]) {
      expect(await tablesMentioning(h, secret)).toEqual([]);
    }
    const access = (userId: string, projectId: string) =>
      h.caller.request(accessGet, { userId, projectId }, ctx("system:test"));
    expect(await access(admin.userId, handedOver.id)).toMatchObject({ projectRole: "owner" });
    expect(await access(member.userId, orphaned.id)).toMatchObject({ projectRole: null });
    expect(await access(erased.userId, others.id)).toEqual({ platformRoles: [], projectRole: null });
    expect(await access(kept.userId, others.id)).toMatchObject({ projectRole: "owner" });
    expect(
      await count(sql`select count(*)::int as count from users.projects where project_id = ${orphaned.id}`),
    ).toBe(0);

    // The published erasure, for every other service.
    const jsm = await jetstreamManager(h.nc);
    const names = busNames(h.user.namespace);
    const message = await jsm.streams.getMessage(names.eventStream("user"), {
      last_by_subj: names.subject("evt.user.user.erased"),
    });
    const published = EventEnvelopeSchema.parse(message?.json());
    expect(published.data).toEqual({ userId: erased.userId, erasedAt: expect.any(String) });

    // Replaying the whole store rebuilds the read models without the erased person.
    // Through the service's own handle: its search_path is the users schema.
    await rebuildProjection(h.user.running.runtime.db, { schema: "users", projection: userReadModel });
    await expect(h.caller.request(meGet, {}, id(erased))).rejects.toMatchObject({ status: 404 });
    expect(await h.caller.request(meGet, {}, id(kept))).toMatchObject({ email: kept.email });
    expect(await access(admin.userId, handedOver.id)).toMatchObject({ projectRole: "owner" });
    expect(await access(kept.userId, others.id)).toMatchObject({ projectRole: "owner" });
    expect(await tablesMentioning(h, erased.email)).toEqual([]);

    // A redelivered erasure has no second effect.
    const before = await count(sql`select count(*)::int as count from users.events`);
    await publishEvent(h, published, `${published.eventId}-again`);
    const marker = await registerUser(h);
    await h.caller.request(projectsCreate, { name: "Marker" }, id(marker));
    await erase(marker.userId);
    await settled(marker.userId);
    const markerEvents = await count(
      sql`select count(*)::int as count from users.events where metadata->>'actor' = ${marker.userId}
            or data->>'userId' = ${marker.userId}`,
    );
    expect(await count(sql`select count(*)::int as count from users.events`)).toBe(before + markerEvents);
    expect(
      await count(sql`select count(*)::int as count from users.processed_events
                   where event_id = ${published.eventId} and consumer = 'on-user-erased'`),
    ).toBe(1);
    // Events about the erased user that arrive later are not attributed to them any more.
    expect(
      await count(
        sql`select count(*)::int as count from users.user_history where user_id = ${erased.userId}`,
      ),
    ).toBe(0);
  });

  it("answers 202 again for a repeated erasure and lets nobody store new personal data for them", async () => {
    const user = await registerUser(h);
    await erase(user.userId);
    expect(await erase(user.userId)).toMatchObject({ status: "erasure_started" });
    await expect(h.caller.request(meUpdate, { displayName: "Back" }, ctx(user.userId))).rejects.toMatchObject(
      {
        status: 404,
      },
    );
    const { rows } = await sql<{ key: Buffer | null }>`
      select key from users.personal_data_keys where subject_id = ${user.userId}`.execute(h.user.database.db);
    expect(rows).toEqual([{ key: null }]);
  });
});
