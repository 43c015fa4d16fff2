import { randomUUID } from "node:crypto";
import { sourceItemsGet, sourcesCreate, sourcesUpdate } from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seal } from "../src/app/secret-box.ts";
import { runSourceCommand } from "../src/app/sources-deps.ts";
import type { SourcesDb } from "../src/infra/sources.tables.ts";
import {
  deliverHook,
  HOUR,
  type IngestionHarness,
  itemsOf,
  MINUTE,
  member,
  published,
  rawOf,
  refusal,
  SECOND,
  sha256,
  signed,
  startIngestion,
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

describe("the webhook ingress", () => {
  it("keeps a delivery signed with the secret shown at creation: its bytes, headers, receive time, hash and revision", async () => {
    const source = await webhookSource(h);
    const body = '{"type":"invoice.paid","data":{"amount":4200}}';
    const headers = signed(source.webhook.secret, body, h.clock.now(), "msg_first");
    expect(await deliverHook(h, source.id, rawOf(body, headers))).toBeNull();

    const [item] = await itemsOf(h, source);
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
    const source = await webhookSource(h);
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
      expect(await deliverHook(h, source.id, rawOf(payload, headers))).toBeNull();
      const [item] = await itemsOf(h, source);
      expect(item).toMatchObject({
        externalId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
        contentHash: sha256(payload),
        receivedAt: "2021-02-25T15:02:10.000Z",
      });
      // The same vector, re-serialised or a byte off, is another body.
      for (const other of ['{"test":2432232314}', '{"test": 2432232315}']) {
        expect(
          await refusal(deliverHook(h, source.id, rawOf(other, { ...headers, "webhook-id": "msg_other" }))),
        ).toEqual(UNVERIFIED);
      }
    } finally {
      h.clock.set(before);
    }
  });

  it("refuses a body changed by one byte and the same JSON serialised again", async () => {
    const source = await webhookSource(h);
    const body = '{ "event": "order.created", "id": 12 }';
    const headers = signed(source.webhook.secret, body, h.clock.now());
    const oneByte = Buffer.from(body);
    oneByte[oneByte.length - 3] = "3".charCodeAt(0);
    const reserialised = JSON.stringify(JSON.parse(body));
    expect(reserialised).not.toBe(body);
    expect(await refusal(deliverHook(h, source.id, rawOf(oneByte, headers)))).toEqual(UNVERIFIED);
    expect(await refusal(deliverHook(h, source.id, rawOf(reserialised, headers)))).toEqual(UNVERIFIED);
    expect(await itemsOf(h, source)).toEqual([]);
    expect(await deliverHook(h, source.id, rawOf(body, headers))).toBeNull();
  });

  it("refuses a timestamp more than five minutes old or ahead", async () => {
    const source = await webhookSource(h);
    const body = '{"n":1}';
    const now = h.clock.now();
    const stale = signed(source.webhook.secret, body, new Date(now.getTime() - 5 * MINUTE - SECOND));
    const future = signed(source.webhook.secret, body, new Date(now.getTime() + 5 * MINUTE + SECOND));
    expect(await refusal(deliverHook(h, source.id, rawOf(body, stale)))).toEqual(UNVERIFIED);
    expect(await refusal(deliverHook(h, source.id, rawOf(body, future)))).toEqual(UNVERIFIED);
    const edge = signed(source.webhook.secret, body, new Date(now.getTime() - 5 * MINUTE + SECOND));
    expect(await deliverHook(h, source.id, rawOf(body, edge))).toBeNull();
  });

  it("accepts one valid signature among several, and Svix's svix-* headers", async () => {
    const source = await webhookSource(h);
    const body = '{"n":2}';
    const headers = signed(source.webhook.secret, body, h.clock.now(), "msg_many");
    const several = `v1,bm90IGl0 v2,${headers["webhook-signature"]?.slice(3)} ${headers["webhook-signature"]}`;
    expect(
      await deliverHook(h, source.id, rawOf(body, { ...headers, "webhook-signature": several })),
    ).toBeNull();
    const svix = signed(source.webhook.secret, body, h.clock.now(), "msg_svix", "svix");
    expect(Object.keys(svix)).toEqual(["svix-id", "svix-timestamp", "svix-signature"]);
    expect(await deliverHook(h, source.id, rawOf(body, svix))).toBeNull();
    expect((await itemsOf(h, source)).map((item) => item.externalId).sort()).toEqual([
      "msg_many",
      "msg_svix",
    ]);
  });

  it("answers a bad signature, missing headers, a stale timestamp, a paused, upload or unknown source with one 401", async () => {
    const source = await webhookSource(h);
    const paused = await webhookSource(h);
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
      await refusal(deliverHook(h, source.id, rawOf(body, { ...good, "webhook-signature": "v1,AAAA" }))),
      await refusal(deliverHook(h, source.id, rawOf(body, {}))),
      await refusal(
        deliverHook(
          h,
          source.id,
          rawOf(body, signed(source.webhook.secret, body, new Date(now.getTime() - HOUR))),
        ),
      ),
      await refusal(deliverHook(h, paused.id, rawOf(body, signed(paused.webhook.secret, body, now)))),
      await refusal(deliverHook(h, upload.id, rawOf(body, good))),
      await refusal(deliverHook(h, randomUUID(), rawOf(body, good))),
    ];
    for (const answer of answers) expect(answer).toEqual(UNVERIFIED);
    // Resumed, the paused source takes the same delivery.
    await h.caller.request(
      sourcesUpdate,
      { projectId: paused.projectId, sourceId: paused.id, paused: false },
      member(paused.projectId),
    );
    expect(await deliverHook(h, paused.id, rawOf(body, signed(paused.webhook.secret, body, now)))).toBeNull();
  });
});
