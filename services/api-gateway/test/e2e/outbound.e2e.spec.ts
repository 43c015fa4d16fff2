import { randomBytes } from "node:crypto";
import { ContactSchema, MessagePageSchema, MessageSchema, ProblemSchema } from "@tessera/contracts";
import { openSecret, parseAesKeyRing } from "@tessera/service-kit";
import { stackClient } from "@tessera/testing";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "../support/stack.ts";

const keyRing = `e2e:${randomBytes(32).toString("base64url")}`;
const stack = useStack({
  env: { OUTBOUND_SECRET_KEYS: keyRing, OUTBOUND_EMAIL_INDEX_KEY: randomBytes(32).toString("base64url") },
});
const { call, signUp, eventually } = stackClient(() => stack.gatewayUrl);
const projectionWait = { timeoutMs: 15_000 };

async function projectOf(token: string): Promise<string> {
  const created = await eventually(
    () => call("POST", "/v1/projects", token, { name: "Outbound" }),
    (status) => status === 404,
    projectionWait,
  );
  expect(created.status).toBe(201);
  return z.object({ id: z.uuid() }).parse(await created.json()).id;
}

/** The contact's unsubscribe token, as its emails' links carry it (opened with the stack's key ring). */
async function unsubscribeToken(contactId: string): Promise<string> {
  const { rows } = await sql<{
    unsubscribe_token: { keyId: string; iv: string; ciphertext: string; tag: string };
  }>`
    select unsubscribe_token from outbound.contacts where id = ${contactId}`.execute(stack.database.db);
  const sealed = rows[0]?.unsubscribe_token;
  if (!sealed) throw new Error("no contact row");
  return openSecret(parseAesKeyRing(keyRing), sealed as never, `outbound:contact:${contactId}:unsubscribe`);
}

describe("outbound through the gateway", () => {
  it("takes a contact and a message from draft to approved, and hides them from non-members", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const projectId = await projectOf(owner.accessToken);
    const created = await eventually(
      () =>
        call("POST", `/v1/projects/${projectId}/contacts`, owner.accessToken, {
          email: "e2e@example.test",
          name: "E2E",
        }),
      (status) => status === 404,
      projectionWait,
    );
    expect(created.status).toBe(201);
    const contact = ContactSchema.parse(await created.json());
    expect(
      (await call("GET", `/v1/projects/${projectId}/contacts/${contact.id}`, stranger.accessToken)).status,
    ).toBe(404);
    const bad = await call("POST", `/v1/projects/${projectId}/contacts`, owner.accessToken, {
      timezone: "Nowhere/Else",
    });
    expect(bad.status).toBe(400);

    const draft = await call("POST", `/v1/projects/${projectId}/messages`, owner.accessToken, {
      channel: "email",
      contactId: contact.id,
      subject: "Hello from e2e",
      text: "Hi.",
    });
    expect(draft.status).toBe(201);
    const message = MessageSchema.parse(await draft.json());
    expect(message.status).toBe("draft");
    const early = await call(
      "POST",
      `/v1/projects/${projectId}/messages/${message.id}/approve`,
      owner.accessToken,
      {},
    );
    expect(early.status).toBe(409);
    expect(ProblemSchema.parse(await early.json()).code).toBe("outbound.illegal_transition");
    const submitted = await call(
      "POST",
      `/v1/projects/${projectId}/messages/${message.id}/submit`,
      owner.accessToken,
      {},
    );
    expect(submitted.status).toBe(200);
    const queue = await call(
      "GET",
      `/v1/projects/${projectId}/messages?status=pending_approval`,
      owner.accessToken,
    );
    expect(MessagePageSchema.parse(await queue.json()).items.map((item) => item.id)).toEqual([message.id]);
    const approved = await call(
      "POST",
      `/v1/projects/${projectId}/messages/${message.id}/approve`,
      owner.accessToken,
      {},
    );
    expect(approved.status).toBe(200);
    expect(MessageSchema.parse(await approved.json())).toMatchObject({
      status: "approved",
      dueAt: expect.any(String),
    });
  });

  it("serves the unsubscribe page as HTML under a strict CSP, and opts out only on the one-click POST", async () => {
    const owner = await signUp();
    const projectId = await projectOf(owner.accessToken);
    const created = await eventually(
      () =>
        call("POST", `/v1/projects/${projectId}/contacts`, owner.accessToken, {
          email: "leave@example.test",
        }),
      (status) => status === 404,
      projectionWait,
    );
    const contact = ContactSchema.parse(await created.json());
    const token = await unsubscribeToken(contact.id);
    const url = `${stack.gatewayUrl}/v1/unsubscribe/${token}`;

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<form method="post">');
    const before = ContactSchema.parse(
      await (await call("GET", `/v1/projects/${projectId}/contacts/${contact.id}`, owner.accessToken)).json(),
    );
    expect(before.policy.optedOut).toBe(false);

    const json = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(415);
    const oneClick = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect(await oneClick.text()).toContain("You are unsubscribed");
    const after = ContactSchema.parse(
      await (await call("GET", `/v1/projects/${projectId}/contacts/${contact.id}`, owner.accessToken)).json(),
    );
    expect(after.policy.optedOut).toBe(true);
  });
});
