import { createHmac, randomUUID } from "node:crypto";
import {
  type CreatedSource,
  type RawBody,
  sourceItemsGet,
  sourcesCreate,
  sourcesUpdate,
} from "@tessera/contracts";
import { systemContext } from "@tessera/service-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deliverHook,
  type IngestionHarness,
  itemsOf,
  MINUTE,
  member,
  rawOf,
  refusal,
  signed,
  startIngestion,
  storedEvents,
  UNVERIFIED,
} from "./support.ts";

let h: IngestionHarness;

beforeAll(async () => {
  h = await startIngestion();
});

afterAll(async () => {
  await h?.stop();
});

const WEBHOOK_SECRET = "chatwoot-generated-secret";

async function chatwootSource(config: Record<string, unknown> = {}): Promise<CreatedSource> {
  const projectId = randomUUID();
  return h.caller.request(
    sourcesCreate,
    {
      projectId,
      type: "chatwoot",
      name: "Support",
      config: {
        baseUrl: `https://${randomUUID()}.chatwoot.example`,
        accountId: 5,
        apiAccessToken: "token",
        webhookSecret: WEBHOOK_SECRET,
        ...config,
      },
    },
    member(projectId),
  );
}

/** Chatwoot's own signature: `sha256=` + hex HMAC-SHA256 over `{timestamp}.{body}`. */
function chatwootSigned(body: string, at: Date, secret = WEBHOOK_SECRET): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const digest = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return { "x-chatwoot-signature": `sha256=${digest}`, "x-chatwoot-timestamp": timestamp };
}

const push = (payload: unknown, at = h.clock.now()): RawBody => {
  const body = JSON.stringify(payload);
  return rawOf(body, chatwootSigned(body, at));
};

const message = (overrides: Record<string, unknown> = {}) => ({
  event: "message_created",
  id: 9001,
  content: "Hello, my parcel is late",
  content_type: "text",
  message_type: "incoming",
  private: false,
  created_at: "2030-01-01T09:00:00.000Z",
  sender: { id: 31, type: "contact", name: "Ana", email: "ana@example.com" },
  inbox: { id: 2, name: "Site" },
  account: { id: 5, name: "Shop" },
  conversation: { id: 44, inbox_id: 2 },
  ...overrides,
});

describe("Chatwoot's own webhooks on a Chatwoot source", () => {
  it("keeps a message under its stable id, once for a repeat, and as a new revision when it is edited", async () => {
    const source = await chatwootSource();
    expect(await deliverHook(h, source.id, push(message()))).toBeNull();
    // message_updated with the same content is the same item, unchanged.
    expect(await deliverHook(h, source.id, push(message({ event: "message_updated" })))).toBeNull();
    let [item] = await itemsOf(h, source);
    expect(item).toMatchObject({ externalId: "cw:5:msg:9001", kind: "message", revision: 1 });
    expect(
      await deliverHook(h, source.id, push(message({ event: "message_updated", content: "Found it" }))),
    ).toBeNull();
    [item] = await itemsOf(h, source);
    expect(item).toMatchObject({ externalId: "cw:5:msg:9001", revision: 2 });
    expect(await storedEvents(h, "ingestion.item.received", "sourceId", source.id)).toBe(2);

    if (!item) throw new Error("no item");
    const stored = await h.caller.request(
      sourceItemsGet,
      { projectId: source.projectId, sourceId: source.id, itemId: item.id },
      systemContext("documents"),
    );
    expect(JSON.parse(Buffer.from(stored.base64, "base64").toString("utf8"))).toEqual({
      accountId: 5,
      messageId: 9001,
      conversationId: 44,
      inboxId: 2,
      messageType: 0,
      contentType: "text",
      content: "Found it",
      private: false,
      sender: { type: "contact", id: 31 },
      createdAt: Date.parse("2030-01-01T09:00:00.000Z") / 1000,
    });
    expect(stored.headers).toHaveProperty("x-chatwoot-signature");
  });

  it("keeps a conversation under its display id and nothing of other events, accounts or inboxes", async () => {
    const source = await chatwootSource({ inboxIds: [2] });
    const conversation = { event: "conversation_status_changed", id: 44, inbox_id: 2, status: "resolved" };
    expect(await deliverHook(h, source.id, push(conversation))).toBeNull();
    for (const ignored of [
      { event: "contact_created", id: 31, name: "Ana" },
      message({ account: { id: 6 } }),
      message({ inbox: { id: 3 } }),
    ]) {
      expect(await deliverHook(h, source.id, push(ignored))).toBeNull();
    }
    expect((await itemsOf(h, source)).map((item) => item.externalId)).toEqual(["cw:5:conv:44"]);
  });

  it("refuses a wrong or stale Chatwoot signature, Standard Webhooks headers, and a source without a webhook secret alike", async () => {
    const source = await chatwootSource();
    const body = JSON.stringify(message());
    const now = h.clock.now();
    const answers = [
      await refusal(deliverHook(h, source.id, rawOf(body, chatwootSigned(body, now, "another secret")))),
      await refusal(
        deliverHook(h, source.id, rawOf(body, chatwootSigned(body, new Date(now.getTime() - 6 * MINUTE)))),
      ),
      await refusal(
        deliverHook(
          h,
          source.id,
          rawOf(body, signed(`whsec_${Buffer.from(WEBHOOK_SECRET).toString("base64")}`, body, now)),
        ),
      ),
    ];
    await h.caller.request(
      sourcesUpdate,
      { projectId: source.projectId, sourceId: source.id, config: { webhookSecret: null } },
      member(source.projectId),
    );
    answers.push(await refusal(deliverHook(h, source.id, rawOf(body, chatwootSigned(body, now)))));
    for (const answer of answers) expect(answer).toEqual(UNVERIFIED);
    expect(await itemsOf(h, source)).toEqual([]);
  });

  it("answers a verified body that is not Chatwoot JSON with 400", async () => {
    const source = await chatwootSource();
    const body = "event=message_created";
    const refused = await refusal(
      deliverHook(h, source.id, rawOf(body, chatwootSigned(body, h.clock.now()), "text/plain")),
    );
    expect(refused).toMatchObject({ status: 400, code: "validation.failed" });
  });
});
