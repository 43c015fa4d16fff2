import { createHash, randomUUID } from "node:crypto";
import {
  type CreatedSource,
  hooksReceive,
  type RawBody,
  sourceItemsGet,
  sourceItemsList,
  sourceSecretsRotate,
  sourcesCreate,
  sourcesUpdate,
} from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seal } from "../src/app/secret-box.ts";
import { runSourceCommand } from "../src/app/sources-deps.ts";
import type { SourcesDb } from "../src/infra/sources.tables.ts";
import {
  anonymous,
  DAY,
  HOUR,
  type IngestionHarness,
  MINUTE,
  member,
  published,
  rawOf,
  refusal,
  SECOND,
  signed,
  startIngestion,
  storedEvents,
} from "./support.ts";

let h: IngestionHarness;

beforeAll(async () => {
  h = await startIngestion();
});

afterAll(async () => {
  await h?.stop();
});

const sha256 = (body: string | Buffer) => createHash("sha256").update(body).digest("hex");

async function webhookSource(projectId = randomUUID()): Promise<CreatedSource & { type: "webhook" }> {
  const source = await h.caller.request(
    sourcesCreate,
    { projectId, type: "webhook", name: "Hooks" },
    member(projectId),
  );
  if (source.type !== "webhook") throw new Error("not a webhook source");
  return source;
}

const deliver = (sourceId: string, raw: RawBody) =>
  h.caller.request(hooksReceive, { sourceId, raw }, anonymous());

async function itemsOf(source: CreatedSource) {
  const page = await h.caller.request(
    sourceItemsList,
    { projectId: source.projectId, sourceId: source.id, limit: 50 },
    member(source.projectId, "viewer"),
  );
  return page.items;
}

/** The 401 every failed verification answers, whatever failed. */
const UNVERIFIED = {
  status: 401,
  code: "ingestion.hook_unverified",
  detail: "The webhook could not be verified.",
};

describe("the webhook ingress", () => {
  it("keeps a delivery signed with the secret shown at creation: its bytes, headers, receive time, hash and revision", async () => {
    const source = await webhookSource();
    const body = '{"type":"invoice.paid","data":{"amount":4200}}';
    const headers = signed(source.webhook.secret, body, h.clock.now(), "msg_first");
    expect(await deliver(source.id, rawOf(body, headers))).toBeNull();

    const [item] = await itemsOf(source);
    expect(item).toMatchObject({
      externalId: "msg_first",
      kind: "webhook",
      revision: 1,
      contentHash: sha256(body),
      contentType: "application/json",
      bytes: Buffer.byteLength(body),
      receivedAt: h.clock.now().toISOString(),
    });
    if (!item) throw new Error("no item");
    const stored = await h.caller.request(
      sourceItemsGet,
      { projectId: source.projectId, sourceId: source.id, itemId: item.id },
      systemContext("documents"),
    );
    expect(Buffer.from(stored.base64, "base64").toString("utf8")).toBe(body);
    expect(stored.headers).toEqual({ ...headers, "content-type": "application/json" });

    const [event] = await published(h, "ingestion.item.received", (data) => data.itemId === item.id);
    expect(event?.data).toEqual({
      itemId: item.id,
      projectId: source.projectId,
      sourceId: source.id,
      sourceType: "webhook",
      externalId: "msg_first",
      kind: "webhook",
      revision: 1,
      contentHash: sha256(body),
      contentType: "application/json",
      bytes: Buffer.byteLength(body),
      receivedAt: h.clock.now().toISOString(),
    });
    expect(JSON.stringify(event)).not.toContain("invoice.paid");
  });

  it("verifies the spec libraries' published vector end to end, on a clock set to its time", async () => {
    const source = await webhookSource();
    const vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    // The vector's secret becomes the source's, sealed as the service seals every secret.
    await runSourceCommand(
      h.service.running.runtime.db.withTables<SourcesDb>(),
      {
        type: "RotateSecret",
        data: {
          projectId: source.projectId,
          sourceId: source.id,
          secret: seal(h.keys, source.id, "signing", vectorSecret),
        },
        meta: { now: h.clock.now(), overlapMs: 0 },
      },
      {},
    );
    const before = h.clock.now();
    h.clock.set(new Date(1_614_265_330_000));
    try {
      const payload = '{"test": 2432232314}';
      const headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
      };
      expect(await deliver(source.id, rawOf(payload, headers))).toBeNull();
      const [item] = await itemsOf(source);
      expect(item).toMatchObject({
        externalId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
        contentHash: sha256(payload),
        receivedAt: "2021-02-25T15:02:10.000Z",
      });
      // The same vector, re-serialised or a byte off, is another body.
      for (const other of ['{"test":2432232314}', '{"test": 2432232315}']) {
        expect(
          await refusal(deliver(source.id, rawOf(other, { ...headers, "webhook-id": "msg_other" }))),
        ).toEqual(UNVERIFIED);
      }
    } finally {
      h.clock.set(before);
    }
  });

  it("refuses a body changed by one byte and the same JSON serialised again", async () => {
    const source = await webhookSource();
    const body = '{ "event": "order.created", "id": 12 }';
    const headers = signed(source.webhook.secret, body, h.clock.now());
    const oneByte = Buffer.from(body);
    oneByte[oneByte.length - 3] = "3".charCodeAt(0);
    const reserialised = JSON.stringify(JSON.parse(body));
    expect(reserialised).not.toBe(body);
    expect(await refusal(deliver(source.id, rawOf(oneByte, headers)))).toEqual(UNVERIFIED);
    expect(await refusal(deliver(source.id, rawOf(reserialised, headers)))).toEqual(UNVERIFIED);
    expect(await itemsOf(source)).toEqual([]);
    expect(await deliver(source.id, rawOf(body, headers))).toBeNull();
  });

  it("refuses a timestamp more than five minutes old or ahead", async () => {
    const source = await webhookSource();
    const body = '{"n":1}';
    const now = h.clock.now();
    const stale = signed(source.webhook.secret, body, new Date(now.getTime() - 5 * MINUTE - SECOND));
    const future = signed(source.webhook.secret, body, new Date(now.getTime() + 5 * MINUTE + SECOND));
    expect(await refusal(deliver(source.id, rawOf(body, stale)))).toEqual(UNVERIFIED);
    expect(await refusal(deliver(source.id, rawOf(body, future)))).toEqual(UNVERIFIED);
    const edge = signed(source.webhook.secret, body, new Date(now.getTime() - 5 * MINUTE + SECOND));
    expect(await deliver(source.id, rawOf(body, edge))).toBeNull();
  });

  it("accepts one valid signature among several, and Svix's svix-* headers", async () => {
    const source = await webhookSource();
    const body = '{"n":2}';
    const headers = signed(source.webhook.secret, body, h.clock.now(), "msg_many");
    const several = `v1,bm90IGl0 v2,${headers["webhook-signature"]?.slice(3)} ${headers["webhook-signature"]}`;
    expect(await deliver(source.id, rawOf(body, { ...headers, "webhook-signature": several }))).toBeNull();
    const svix = signed(source.webhook.secret, body, h.clock.now(), "msg_svix", "svix");
    expect(Object.keys(svix)).toEqual(["svix-id", "svix-timestamp", "svix-signature"]);
    expect(await deliver(source.id, rawOf(body, svix))).toBeNull();
    expect((await itemsOf(source)).map((item) => item.externalId).sort()).toEqual(["msg_many", "msg_svix"]);
  });

  it("answers a bad signature, missing headers, a stale timestamp, a paused, upload or unknown source with one 401", async () => {
    const source = await webhookSource();
    const paused = await webhookSource();
    await h.caller.request(
      sourcesUpdate,
      { projectId: paused.projectId, sourceId: paused.id, paused: true },
      member(paused.projectId),
    );
    const upload = await h.caller.request(
      sourcesCreate,
      { projectId: source.projectId, type: "upload", name: "Files" },
      member(source.projectId),
    );
    const body = '{"n":3}';
    const now = h.clock.now();
    const good = signed(source.webhook.secret, body, now);
    const answers = [
      await refusal(deliver(source.id, rawOf(body, { ...good, "webhook-signature": "v1,AAAA" }))),
      await refusal(deliver(source.id, rawOf(body, {}))),
      await refusal(
        deliver(source.id, rawOf(body, signed(source.webhook.secret, body, new Date(now.getTime() - HOUR)))),
      ),
      await refusal(deliver(paused.id, rawOf(body, signed(paused.webhook.secret, body, now)))),
      await refusal(deliver(upload.id, rawOf(body, good))),
      await refusal(deliver(randomUUID(), rawOf(body, good))),
    ];
    for (const answer of answers) expect(answer).toEqual(UNVERIFIED);
    // Resumed, the paused source takes the same delivery.
    await h.caller.request(
      sourcesUpdate,
      { projectId: paused.projectId, sourceId: paused.id, paused: false },
      member(paused.projectId),
    );
    expect(await deliver(paused.id, rawOf(body, signed(paused.webhook.secret, body, now)))).toBeNull();
  });
});

describe("a source's items", () => {
  it("lists newest first, a page at a time, to any member", async () => {
    const source = await webhookSource();
    const start = h.clock.now();
    try {
      for (const id of ["msg_a", "msg_b", "msg_c"]) {
        const body = `{"id":"${id}"}`;
        await deliver(source.id, rawOf(body, signed(source.webhook.secret, body, h.clock.now(), id)));
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
    const source = await webhookSource();
    const body = '{"private":true}';
    await deliver(source.id, rawOf(body, signed(source.webhook.secret, body, h.clock.now())));
    const [item] = await itemsOf(source);
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
    const source = await webhookSource();
    const body = '{"event":"shipped"}';
    const start = h.clock.now();
    try {
      expect(
        await deliver(source.id, rawOf(body, signed(source.webhook.secret, body, start, "msg_once"))),
      ).toBeNull();
      h.clock.advance(30 * SECOND);
      // A retry is signed again; a sender that changed the body under the same id is still one message.
      const changed = '{"event":"shipped","retry":1}';
      expect(
        await deliver(
          source.id,
          rawOf(changed, signed(source.webhook.secret, changed, h.clock.now(), "msg_once")),
        ),
      ).toBeNull();
      h.clock.set(new Date(start.getTime() + 2 * DAY + HOUR));
      expect(
        await deliver(source.id, rawOf(body, signed(source.webhook.secret, body, h.clock.now(), "msg_once"))),
      ).toBeNull();

      const items = await itemsOf(source);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ externalId: "msg_once", revision: 1, contentHash: sha256(body) });
      expect(await storedEvents(h, "ingestion.item.received", "sourceId", source.id)).toBe(1);

      // Past the dedupe window the id is forgotten; the same content is still the same item.
      h.clock.set(new Date(start.getTime() + 4 * DAY));
      expect(await h.hooks.pruning?.runOnce()).toBeGreaterThan(0);
      expect(
        await deliver(source.id, rawOf(body, signed(source.webhook.secret, body, h.clock.now(), "msg_once"))),
      ).toBeNull();
      expect(await storedEvents(h, "ingestion.item.received", "sourceId", source.id)).toBe(1);
    } finally {
      h.clock.set(start);
    }
  });

  it("lets only one of several simultaneous deliveries of one webhook-id through", async () => {
    const source = await webhookSource();
    const body = '{"event":"race"}';
    const raw = rawOf(body, signed(source.webhook.secret, body, h.clock.now(), "msg_race"));
    await Promise.all(Array.from({ length: 6 }, () => deliver(source.id, raw)));
    expect(await itemsOf(source)).toHaveLength(1);
    expect(await storedEvents(h, "ingestion.item.received", "sourceId", source.id)).toBe(1);
  });
});

describe("secret rotation", () => {
  it("verifies both secrets for 24 hours after a rotation, then only the new one", async () => {
    const source = await webhookSource();
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
        deliver(source.id, rawOf(body, signed(secret, body, h.clock.now(), `msg_rot_${n++}`)));
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
    const source = await webhookSource(projectId);
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
