import { randomUUID } from "node:crypto";
import { createBus } from "@tessera/bus";
import { type EventEnvelope, historyList, meUpdate } from "@tessera/contracts";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ctx,
  eventually,
  type Harness,
  publishEvent,
  registerUser,
  silent,
  startHarness,
} from "./support.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness("userhist");
});

afterAll(async () => {
  await h?.stop();
});

function memoryEvent(actor: string, requestId: string, occurredAt: string): EventEnvelope {
  return {
    eventId: randomUUID(),
    type: "memory.memory.recorded",
    version: 1,
    streamId: `memory-${randomUUID()}`,
    streamVersion: 1,
    globalPosition: "7",
    occurredAt,
    data: { memoryId: randomUUID(), projectId: randomUUID() },
    metadata: { requestId, actor },
  };
}

async function historyOf(userId: string, minimum: number) {
  return eventually(async () => {
    const page = await h.caller.request(historyList, { limit: 200 }, ctx(userId));
    return page.items.length >= minimum ? page.items : undefined;
  });
}

describe("audit history", () => {
  it("lists the caller's own events from every service's stream, newest first", async () => {
    const { userId } = await registerUser(h);
    await h.caller.request(meUpdate, { displayName: "Ada" }, ctx(userId, { requestId: "req-patch-1" }));
    // The memory service has not started: its stream appears only now, and the consumer picks it up.
    await createBus(h.nc, { service: "memory", namespace: h.user.namespace, logger: silent }).provision();
    await publishEvent(h, memoryEvent(userId, "req-memory-1", new Date(Date.now() + 60_000).toISOString()));

    const items = await historyOf(userId, 4);
    expect(items.map((item) => [item.service, item.type])).toEqual([
      ["memory", "memory.memory.recorded"],
      ["user", "user.profile.updated"],
      ["user", "user.profile.created"],
      ["auth", "auth.account.registered"],
    ]);
    expect(items[0]?.requestId).toBe("req-memory-1");
    expect(items[1]?.requestId).toBe("req-patch-1");
    const other = await registerUser(h);
    const others = await historyOf(other.userId, 2);
    expect(others.map((item) => item.type)).toEqual(["user.profile.created", "auth.account.registered"]);
  });

  it("records a redelivered event once", async () => {
    const { userId } = await registerUser(h);
    await createBus(h.nc, { service: "memory", namespace: h.user.namespace, logger: silent }).provision();
    const event = memoryEvent(userId, "req-twice", new Date().toISOString());
    await publishEvent(h, event, `${event.eventId}-a`);
    await publishEvent(h, event, `${event.eventId}-b`);
    const marker = memoryEvent(userId, "req-marker", new Date().toISOString());
    await publishEvent(h, marker);
    await eventually(async () => {
      const { rows } = await sql`select 1 from users.user_history where event_id = ${marker.eventId}`.execute(
        h.user.database.db,
      );
      return rows.length > 0 ? true : undefined;
    });
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from users.user_history where event_id = ${event.eventId}`.execute(
      h.user.database.db,
    );
    expect(rows[0]?.count).toBe(1);
  });

  it("pages through the history with an opaque cursor", async () => {
    const { userId } = await registerUser(h);
    await createBus(h.nc, { service: "memory", namespace: h.user.namespace, logger: silent }).provision();
    const base = Date.now();
    for (let index = 0; index < 4; index++) {
      // Dated ahead, so these four are the newest entries whatever the clock did meanwhile.
      const occurredAt = new Date(base + (10 - index) * 60_000).toISOString();
      await publishEvent(h, memoryEvent(userId, `req-page-${index}`, occurredAt));
    }
    await historyOf(userId, 6);
    const requestIds: (string | null)[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await h.caller.request(historyList, { limit: 2, cursor }, ctx(userId));
      requestIds.push(...result.items.map((item) => item.requestId));
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    expect(requestIds.slice(0, 4)).toEqual(["req-page-0", "req-page-1", "req-page-2", "req-page-3"]);
    expect(requestIds).toHaveLength(6);
  });
});
