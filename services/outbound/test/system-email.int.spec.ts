import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, type OutboundHarness, startOutbound } from "./support/harness.ts";

let h: OutboundHarness;

beforeAll(async () => {
  h = await startOutbound();
});

afterAll(async () => {
  await h?.stop();
});

describe("the platform's own emails", () => {
  it("sends a system email once however often it is asked for, recorded as an approved system message", async () => {
    const send = h.hooks.sendSystemEmail;
    if (!send) throw new Error("the service did not expose sendSystemEmail");
    const eventId = randomUUID();
    const email = {
      purpose: "password-reset" as const,
      to: "someone@example.test",
      subject: `Reset ${eventId}`,
      text: "Follow the link.",
      html: "<p>Follow the link.</p>",
      dedupeKey: eventId,
      cause: { kind: "auth.password.reset_requested", id: eventId },
    };
    await Promise.all([send(email), send(email)]);
    await send(email);
    const mail = await eventually(async () => h.smtp.received.find((m) => m.subject === email.subject));
    expect(mail.headerLines.some((line) => line.key === "list-unsubscribe")).toBe(false);
    const { rows } = await sql<{ id: string; status: string; system: boolean; evidence_refs: unknown }>`
      select id, status, system, evidence_refs from outbound.messages where dedupe_key = ${`password-reset:${eventId}`}`.execute(
      h.service.database.db,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ system: true, evidence_refs: [email.cause] });
    await eventually(async () => {
      const { rows: now } = await sql<{
        status: string;
      }>`select status from outbound.messages where id = ${rows[0]?.id}`.execute(h.service.database.db);
      return now[0]?.status === "sent" ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(h.smtp.received.filter((m) => m.subject === email.subject)).toHaveLength(1);
    const { rows: stored } = await sql<{ data: unknown }>`
      select data from outbound.events where type = 'outbound.message.created' and data ->> 'messageId' = ${rows[0]?.id}`.execute(
      h.service.database.db,
    );
    expect(JSON.stringify(stored)).not.toContain("someone@example.test");
  });
});
