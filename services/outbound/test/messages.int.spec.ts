import { randomUUID } from "node:crypto";
import { contactPoliciesPut, messagesAct, messagesList, outboundSettingsPut } from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  draftEmail,
  eventually,
  member,
  messageReaches,
  newContact,
  type OutboundHarness,
  readMessage,
  refusal,
  startOutbound,
  submitAndApprove,
} from "./support/harness.ts";

let h: OutboundHarness;

beforeAll(async () => {
  h = await startOutbound();
});

afterAll(async () => {
  await h?.stop();
});

const act = (
  projectId: string,
  messageId: string,
  action: "submit" | "approve" | "reject" | "cancel",
  role = "owner" as const,
  extra = {},
) => h.caller.request(messagesAct, { projectId, messageId, action, ...extra }, member(projectId, role));

describe("messages through approval", () => {
  it("sends an approved email to the contact, with its unsubscribe headers and a stable Message-ID", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId, { email: "reader@example.test", name: "Reader" });
    const draft = await draftEmail(h, projectId, contact.id, {
      subject: "Your order",
      text: "It shipped.",
      html: "<p>It shipped.</p>",
      evidenceRefs: [{ kind: "ingestion.item", id: "item-1" }],
    });
    expect(draft).toMatchObject({
      status: "draft",
      contactId: contact.id,
      attempts: [],
      evidenceRefs: [{ kind: "ingestion.item", id: "item-1" }],
    });
    const approved = await submitAndApprove(h, draft);
    expect(approved.status).toBe("approved");
    const sent = await messageReaches(h, projectId, draft.id, ["sent"]);
    expect(sent.attempts).toEqual([expect.objectContaining({ outcome: "sent", code: 250 })]);
    const mail = await eventually(async () => h.smtp.received.find((m) => m.subject === "Your order"));
    expect(mail.to).toMatchObject({ value: [{ address: "reader@example.test", name: "Reader" }] });
    expect(mail.text?.trim()).toBe("It shipped.");
    expect(mail.messageId).toBe(`<${draft.id}@tessera.localhost>`);
    const header = (name: string) =>
      mail.headerLines.find((line) => line.key === name)?.line.replace(/\r\n\s+/g, " ") ?? "";
    expect(header("list-unsubscribe")).toMatch(
      /^List-Unsubscribe: <https:\/\/app\.example\.test\/v1\/unsubscribe\/[A-Za-z0-9_-]{43}>/,
    );
    expect(header("list-unsubscribe-post")).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  });

  it("lets members submit and cancel but only owners and admins approve or reject", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const draft = await draftEmail(h, projectId, contact.id);
    expect(await refusal(act(projectId, draft.id, "submit", "viewer" as never))).toMatchObject({
      status: 403,
    });
    await act(projectId, draft.id, "submit", "member" as never);
    expect(await refusal(act(projectId, draft.id, "approve", "member" as never))).toMatchObject({
      status: 403,
    });
    expect(
      await refusal(act(projectId, draft.id, "reject", "member" as never, { reason: "no" })),
    ).toMatchObject({ status: 403 });
    const rejected = await act(projectId, draft.id, "reject", "admin" as never, { reason: "tone" });
    expect(rejected).toMatchObject({ status: "rejected", reason: "tone" });
    const other = randomUUID();
    expect(await refusal(readMessage(h, other, draft.id))).toMatchObject({ status: 404 });
  });

  it("answers an illegal transition with 409 naming the current state", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const draft = await draftEmail(h, projectId, contact.id);
    const refused = await refusal(act(projectId, draft.id, "approve"));
    expect(refused).toMatchObject({ status: 409, code: "outbound.illegal_transition" });
    expect(refused.detail).toContain("draft");
    await act(projectId, draft.id, "cancel", "member" as never);
    expect(await refusal(act(projectId, draft.id, "submit"))).toMatchObject({ status: 409 });
  });

  it("requires another approver than the author when the project asks for four eyes", async () => {
    const projectId = randomUUID();
    await h.caller.request(outboundSettingsPut, { projectId, fourEyes: true }, member(projectId, "owner"));
    const contact = await newContact(h, projectId);
    const author = randomUUID();
    const draft = await draftEmail(h, projectId, contact.id, {}, member(projectId, "admin", author));
    await h.caller.request(
      messagesAct,
      { projectId, messageId: draft.id, action: "submit" },
      member(projectId, "admin", author),
    );
    expect(
      await refusal(
        h.caller.request(
          messagesAct,
          { projectId, messageId: draft.id, action: "approve" },
          member(projectId, "admin", author),
        ),
      ),
    ).toMatchObject({ status: 403, code: "outbound.four_eyes" });
    const approved = await act(projectId, draft.id, "approve");
    expect(approved.status).toBe("approved");
    expect(approved.approvedBy).not.toBe(author);
  });

  it("keeps one message per contact and dedupe key: a second create answers the first", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const [first, second] = await Promise.all([
      draftEmail(h, projectId, contact.id, { dedupeKey: "welcome" }),
      draftEmail(h, projectId, contact.id, { dedupeKey: "welcome", subject: "Other" }),
    ]);
    expect(second.id).toBe(first.id);
    const other = await newContact(h, projectId);
    const third = await draftEmail(h, projectId, other.id, { dedupeKey: "welcome" });
    expect(third.id).not.toBe(first.id);
  });

  it("refuses to submit to an opted-out contact", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    await h.caller.request(
      contactPoliciesPut,
      { projectId, contactId: contact.id, optedOut: true, stopOnReply: true },
      member(projectId, "admin"),
    );
    const draft = await draftEmail(h, projectId, contact.id);
    expect(await refusal(act(projectId, draft.id, "submit"))).toMatchObject({
      status: 409,
      code: "outbound.contact_opted_out",
    });
  });

  it("lists the approval queue by status", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const waiting = await draftEmail(h, projectId, contact.id);
    await draftEmail(h, projectId, contact.id);
    await act(projectId, waiting.id, "submit");
    const queue = await h.caller.request(
      messagesList,
      { projectId, limit: 50, status: "pending_approval" },
      member(projectId, "viewer"),
    );
    expect(queue.items.map((item) => item.id)).toEqual([waiting.id]);
  });

  it("waits for sendAt before sending", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const sendAt = new Date(Date.now() + 8_000).toISOString();
    const draft = await draftEmail(h, projectId, contact.id, { sendAt, subject: "Later" });
    const approved = await submitAndApprove(h, draft);
    expect(approved.dueAt).toBe(sendAt);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await readMessage(h, projectId, draft.id)).status).toBe("approved");
    const sent = await messageReaches(h, projectId, draft.id, ["sent"]);
    expect(Date.parse(sent.attempts[0]?.at ?? "")).toBeGreaterThanOrEqual(Date.parse(sendAt));
  });

  it("delays a message in the contact's quiet hours to their end, and one over the day cap until it frees", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId, { timezone: "UTC" });
    const now = new Date();
    const hh = (offsetHours: number) => String((now.getUTCHours() + offsetHours + 24) % 24).padStart(2, "0");
    const quietHours = { start: `${hh(-1)}:00`, end: `${hh(2)}:00` };
    await h.caller.request(
      contactPoliciesPut,
      { projectId, contactId: contact.id, optedOut: false, stopOnReply: true, quietHours },
      member(projectId, "admin"),
    );
    const quiet = await submitAndApprove(h, await draftEmail(h, projectId, contact.id));
    const end = new Date(now);
    end.setUTCHours(now.getUTCHours() + 2, 0, 0, 0);
    expect(quiet.dueAt).toBe(end.toISOString());
    expect((await readMessage(h, projectId, quiet.id)).status).toBe("approved");

    const capped = await newContact(h, projectId);
    await h.caller.request(
      contactPoliciesPut,
      { projectId, contactId: capped.id, optedOut: false, stopOnReply: true, maxPerDay: 1 },
      member(projectId, "admin"),
    );
    const first = await submitAndApprove(h, await draftEmail(h, projectId, capped.id));
    const sent = await messageReaches(h, projectId, first.id, ["sent"]);
    const second = await submitAndApprove(h, await draftEmail(h, projectId, capped.id));
    const sentAt = Date.parse(sent.updatedAt);
    expect(Date.parse(second.dueAt ?? "")).toBeGreaterThanOrEqual(sentAt + 86_400_000 - 1_000);
    expect((await readMessage(h, projectId, second.id)).status).toBe("approved");
  });
});
