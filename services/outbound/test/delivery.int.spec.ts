import { randomUUID } from "node:crypto";
import { connectNats, createBus } from "@tessera/bus";
import {
  contactPoliciesPut,
  contactsGet,
  type EventEnvelope,
  endpointsCreate,
  endpointsList,
  messageReceived,
  messagesCreate,
  unsubscribeConfirm,
  unsubscribeShow,
} from "@tessera/contracts";
import { TEST_NATS_URL } from "@tessera/testing";
import { sql } from "kysely";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  draftEmail,
  eventually,
  member,
  messageReaches,
  newContact,
  type OutboundHarness,
  readMessage,
  startOutbound,
  submitAndApprove,
} from "./support/harness.ts";

const silent = { info() {}, warn() {}, error() {}, debug() {} };
let h: OutboundHarness;

beforeAll(async () => {
  h = await startOutbound();
});

afterAll(async () => {
  await h?.stop();
});

async function webhookMessage(projectId: string, payload: Record<string, number> = { n: 1 }) {
  const endpoint = await h.caller.request(
    endpointsCreate,
    { projectId, url: h.receiver.url },
    member(projectId, "admin"),
  );
  const draft = await h.caller.request(
    messagesCreate,
    { projectId, channel: "webhook", endpointId: endpoint.id, eventType: "order.shipped", payload },
    member(projectId, "member"),
  );
  return { endpoint, draft };
}

describe("webhook deliveries", () => {
  it("shows the secret once, signs the delivery with it and keeps the webhook-id stable", async () => {
    const projectId = randomUUID();
    const { endpoint, draft } = await webhookMessage(projectId, { order: 7 });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const listed = await h.caller.request(
      endpointsList,
      { projectId, limit: 50 },
      member(projectId, "admin"),
    );
    expect(JSON.stringify(listed)).not.toContain(endpoint.secret);
    await submitAndApprove(h, draft);
    await messageReaches(h, projectId, draft.id, ["sent"]);
    const hook = h.receiver.received.find((r) => r.headers["webhook-id"] === draft.id);
    expect(hook).toBeDefined();
    const verified = new Webhook(endpoint.secret).verify(hook?.body ?? "", {
      "webhook-id": String(hook?.headers["webhook-id"]),
      "webhook-timestamp": String(hook?.headers["webhook-timestamp"]),
      "webhook-signature": String(hook?.headers["webhook-signature"]),
    });
    expect(verified).toEqual({ type: "order.shipped", timestamp: expect.any(String), data: { order: 7 } });
  });

  it("retries a 5xx (honouring Retry-After) and then succeeds", async () => {
    const projectId = randomUUID();
    const { draft } = await webhookMessage(projectId);
    h.receiver.answerNext({ status: 503, retryAfter: 1 });
    await submitAndApprove(h, draft);
    const sent = await messageReaches(h, projectId, draft.id, ["sent"]);
    expect(sent.attempts.map((a) => a.outcome)).toEqual(["retry", "sent"]);
    expect(sent.attempts[0]?.code).toBe(503);
    const gap = Date.parse(sent.attempts[1]?.at ?? "") - Date.parse(sent.attempts[0]?.at ?? "");
    expect(gap).toBeGreaterThanOrEqual(900);
  });

  it("marks the message failed when every attempt failed", async () => {
    const projectId = randomUUID();
    const { draft } = await webhookMessage(projectId);
    h.receiver.answerNext({ status: 500 }, { status: 500 }, { status: 500 });
    await submitAndApprove(h, draft);
    const failed = await messageReaches(h, projectId, draft.id, ["failed"]);
    expect(failed.attempts.map((a) => a.outcome)).toEqual(["retry", "retry", "retry"]);
    expect(failed.reason).toContain("no attempt succeeded");
  });

  it("fails the message and disables the endpoint on 410 Gone", async () => {
    const projectId = randomUUID();
    const { endpoint, draft } = await webhookMessage(projectId);
    h.receiver.answerNext({ status: 410 });
    await submitAndApprove(h, draft);
    const failed = await messageReaches(h, projectId, draft.id, ["failed"]);
    expect(failed.attempts).toEqual([expect.objectContaining({ outcome: "failed", code: 410 })]);
    const listed = await h.caller.request(
      endpointsList,
      { projectId, limit: 50 },
      member(projectId, "admin"),
    );
    expect(listed.items.find((e) => e.id === endpoint.id)?.status).toBe("disabled");
  });
});

describe("email deliveries", () => {
  it("retries a 4xx SMTP answer and fails on a 5xx one", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    h.smtp.failNext(1, 451);
    const retried = await submitAndApprove(
      h,
      await draftEmail(h, projectId, contact.id, { subject: "Retried" }),
    );
    const sent = await messageReaches(h, projectId, retried.id, ["sent"]);
    expect(sent.attempts.map((a) => [a.outcome, a.code])).toEqual([
      ["retry", 451],
      ["sent", 250],
    ]);
    h.smtp.failNext(1, 550);
    const refused = await submitAndApprove(
      h,
      await draftEmail(h, projectId, contact.id, { subject: "Refused" }),
    );
    const failed = await messageReaches(h, projectId, refused.id, ["failed"]);
    expect(failed.attempts.map((a) => [a.outcome, a.code])).toEqual([["failed", 550]]);
  });

  it("cancels an approved message whose contact opted out before it went", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const draft = await draftEmail(h, projectId, contact.id, {
      sendAt: new Date(Date.now() + 8_000).toISOString(),
    });
    await submitAndApprove(h, draft);
    await h.caller.request(
      contactPoliciesPut,
      { projectId, contactId: contact.id, optedOut: true, stopOnReply: true },
      member(projectId, "admin"),
    );
    const cancelled = await messageReaches(h, projectId, draft.id, ["cancelled"]);
    expect(cancelled.reason).toBe("the contact opted out");
    expect(cancelled.attempts).toEqual([]);
  });
});

describe("stop-on-reply", () => {
  it("cancels the contact's messages not yet sending when its reply comes in, with the reply as evidence", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId, { externalRefs: { chatwoot: "314" } });
    const byEmail = await newContact(h, projectId, { email: "Replier@Example.test" });
    const keeps = await newContact(h, projectId, { externalRefs: { chatwoot: "315" } });
    const pending = await draftEmail(h, projectId, contact.id);
    const pendingByEmail = await draftEmail(h, projectId, byEmail.id);
    const untouched = await draftEmail(h, projectId, keeps.id);
    const itemId = randomUUID();
    await publishReply(projectId, itemId, 314, null);
    await publishReply(projectId, randomUUID(), 999, "replier@example.test");
    const cancelled = await messageReaches(h, projectId, pending.id, ["cancelled"]);
    expect(cancelled.evidenceRefs).toContainEqual({ kind: "ingestion.item", id: itemId });
    await messageReaches(h, projectId, pendingByEmail.id, ["cancelled"]);
    expect((await readMessage(h, projectId, untouched.id)).status).toBe("draft");
  });
});

async function publishReply(projectId: string, itemId: string, contactId: number, email: string | null) {
  const nc = await connectNats({ servers: TEST_NATS_URL, name: "ingestion-stand-in", logger: silent });
  try {
    // Ingestion's stream, as ingestion would provision it; the reply as its relay would publish it.
    const bus = createBus(nc, { service: "ingestion", namespace: h.service.namespace, logger: silent });
    await bus.provision();
    const eventId = randomUUID();
    const envelope: EventEnvelope = {
      eventId,
      type: messageReceived.type,
      version: 1,
      streamId: `ingestion-item:${itemId}`,
      streamVersion: 1,
      globalPosition: "1",
      occurredAt: new Date().toISOString(),
      metadata: { actor: "system:ingestion", projectId },
      data: {
        itemId,
        projectId,
        sourceId: randomUUID(),
        externalId: `cw:1:msg:${contactId}`,
        accountId: 1,
        conversationId: 1,
        messageId: contactId,
        inboxId: 1,
        contactId,
        contactEmail: email,
        sentAt: null,
        receivedAt: new Date().toISOString(),
      },
    };
    await bus.eventPublisher().publish(envelope);
  } finally {
    await nc.close();
  }
}

describe("unsubscribe", () => {
  it("shows a confirmation page on GET and changes nothing; a one-click POST opts the contact out", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const draft = await submitAndApprove(
      h,
      await draftEmail(h, projectId, contact.id, { subject: "With a link" }),
    );
    await messageReaches(h, projectId, draft.id, ["sent"]);
    const mail = await eventually(async () => h.smtp.received.find((m) => m.subject === "With a link"));
    const line = mail.headerLines.find((l) => l.key === "list-unsubscribe")?.line ?? "";
    const token = /unsubscribe\/([A-Za-z0-9_-]+)>/.exec(line)?.[1] ?? "";
    const ctx = { requestId: randomUUID() };
    const page = await h.caller.request(unsubscribeShow, { token }, ctx);
    expect(page.html).toContain('<form method="post">');
    const before = await h.caller.request(
      contactsGet,
      { projectId, contactId: contact.id },
      member(projectId),
    );
    expect(before.policy.optedOut).toBe(false);
    const body = Buffer.from("List-Unsubscribe=One-Click");
    const raw = {
      contentType: "application/x-www-form-urlencoded",
      base64: body.toString("base64"),
      bytes: body.length,
      headers: {},
    };
    const done = await h.caller.request(unsubscribeConfirm, { token, raw }, ctx);
    expect(done.html).toContain("You are unsubscribed");
    const after = await h.caller.request(
      contactsGet,
      { projectId, contactId: contact.id },
      member(projectId),
    );
    expect(after.policy.optedOut).toBe(true);
    const unknown = await h.caller.request(unsubscribeConfirm, { token: "x".repeat(43), raw }, ctx);
    expect(unknown.html).toContain("not valid");
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from outbound.contacts where unsubscribe_token_hash = ${token}`.execute(
      h.service.database.db,
    );
    expect(rows[0]?.n).toBe(0);
  });
});
