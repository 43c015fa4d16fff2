import { randomUUID } from "node:crypto";
import { sourceItemsGet, sourceItemsList, sourceSecretsRotate, sourcesCreate } from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DAY,
  deliverHook,
  HOUR,
  type IngestionHarness,
  itemsOf,
  MINUTE,
  member,
  rawOf,
  refusal,
  SECOND,
  sha256,
  signed,
  startIngestion,
  storedEvents,
  UNVERIFIED,
  webhookSource,
} from "./support.ts";

let h: IngestionHarness;

beforeAll(async () => {
  h = await startIngestion();
});

afterAll(async () => {
  await h?.stop();
});

describe("a source's items", () => {
  it("lists newest first, a page at a time, to any member", async () => {
    const source = await webhookSource(h);
    const start = h.clock.now();
    try {
      for (const id of ["msg_a", "msg_b", "msg_c"]) {
        const body = `{"id":"${id}"}`;
        await deliverHook(h, source.id, rawOf(body, signed(source.webhook.secret, body, h.clock.now(), id)));
        h.clock.advance(SECOND);
      }
    } finally {
      h.clock.set(start);
    }
    const ctx = member(source.projectId, "viewer");
    const first = await h.caller.request(
      sourceItemsList,
      { projectId: source.projectId, sourceId: source.id, limit: 2 },
      ctx,
    );
    expect(first.items.map((item) => item.externalId)).toEqual(["msg_c", "msg_b"]);
    const second = await h.caller.request(
      sourceItemsList,
      { projectId: source.projectId, sourceId: source.id, limit: 2, cursor: first.nextCursor ?? undefined },
      ctx,
    );
    expect(second.items.map((item) => item.externalId)).toEqual(["msg_a"]);
    expect(second.nextCursor).toBeNull();
  });

  it("gives bodies only to the platform's own services", async () => {
    const source = await webhookSource(h);
    const body = '{"private":true}';
    await deliverHook(h, source.id, rawOf(body, signed(source.webhook.secret, body, h.clock.now())));
    const [item] = await itemsOf(h, source);
    if (!item) throw new Error("no item");
    const asOwner = await refusal(
      h.caller.request(
        sourceItemsGet,
        { projectId: source.projectId, sourceId: source.id, itemId: item.id },
        member(source.projectId),
      ),
    );
    expect(asOwner.status).toBe(403);
  });
});

describe("repeats", () => {
  it("processes a webhook-id once: a retry seconds later and a replay days later have no second effect", async () => {
    const source = await webhookSource(h);
    const body = '{"event":"shipped"}';
    const start = h.clock.now();
    try {
      expect(
        await deliverHook(h, source.id, rawOf(body, signed(source.webhook.secret, body, start, "msg_once"))),
      ).toBeNull();
      h.clock.advance(30 * SECOND);
      // A retry is signed again; a sender that changed the body under the same id is still one message.
      const changed = '{"event":"shipped","retry":1}';
      expect(
        await deliverHook(
          h,
          source.id,
          rawOf(changed, signed(source.webhook.secret, changed, h.clock.now(), "msg_once")),
        ),
      ).toBeNull();
      h.clock.set(new Date(start.getTime() + 2 * DAY + HOUR));
      expect(
        await deliverHook(
          h,
          source.id,
          rawOf(body, signed(source.webhook.secret, body, h.clock.now(), "msg_once")),
        ),
      ).toBeNull();

      const items = await itemsOf(h, source);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ externalId: "msg_once", revision: 1, contentHash: sha256(body) });
      expect(await storedEvents(h, "ingestion.item.received", "sourceId", source.id)).toBe(1);

      // Past the dedupe window the id is forgotten; the same content is still the same item.
      h.clock.set(new Date(start.getTime() + 4 * DAY));
      expect(await h.hooks.pruning?.runOnce()).toBeGreaterThan(0);
      expect(
        await deliverHook(
          h,
          source.id,
          rawOf(body, signed(source.webhook.secret, body, h.clock.now(), "msg_once")),
        ),
      ).toBeNull();
      expect(await storedEvents(h, "ingestion.item.received", "sourceId", source.id)).toBe(1);
    } finally {
      h.clock.set(start);
    }
  });

  it("lets only one of several simultaneous deliveries of one webhook-id through", async () => {
    const source = await webhookSource(h);
    const body = '{"event":"race"}';
    const raw = rawOf(body, signed(source.webhook.secret, body, h.clock.now(), "msg_race"));
    await Promise.all(Array.from({ length: 6 }, () => deliverHook(h, source.id, raw)));
    expect(await itemsOf(h, source)).toHaveLength(1);
    expect(await storedEvents(h, "ingestion.item.received", "sourceId", source.id)).toBe(1);
  });
});

describe("secret rotation", () => {
  it("verifies both secrets for 24 hours after a rotation, then only the new one", async () => {
    const source = await webhookSource(h);
    const start = h.clock.now();
    try {
      const rotated = await h.caller.request(
        sourceSecretsRotate,
        { projectId: source.projectId, sourceId: source.id },
        member(source.projectId, "admin"),
      );
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(source.webhook.secret);
      expect(rotated.previousValidUntil).toBe(new Date(start.getTime() + DAY).toISOString());

      const body = '{"n":4}';
      let n = 0;
      const send = (secret: string) =>
        deliverHook(h, source.id, rawOf(body, signed(secret, body, h.clock.now(), `msg_rot_${n++}`)));
      h.clock.set(new Date(start.getTime() + DAY - MINUTE));
      expect(await send(source.webhook.secret)).toBeNull();
      expect(await send(rotated.secret)).toBeNull();
      h.clock.set(new Date(start.getTime() + DAY + SECOND));
      expect(await refusal(send(source.webhook.secret))).toEqual(UNVERIFIED);
      expect(await send(rotated.secret)).toBeNull();
    } finally {
      h.clock.set(start);
    }
  });

  it("rotates only webhook sources' secrets and only for owners and admins", async () => {
    const projectId = randomUUID();
    const source = await webhookSource(h, projectId);
    const asMember = await refusal(
      h.caller.request(sourceSecretsRotate, { projectId, sourceId: source.id }, member(projectId, "member")),
    );
    expect(asMember.status).toBe(403);
    const upload = await h.caller.request(
      sourcesCreate,
      { projectId, type: "upload", name: "Files" },
      member(projectId),
    );
    const refused = await refusal(
      h.caller.request(sourceSecretsRotate, { projectId, sourceId: upload.id }, member(projectId)),
    );
    expect(refused).toMatchObject({ status: 409, code: "ingestion.secret_not_rotatable" });
  });
});
