import { randomUUID } from "node:crypto";
import {
  contactPoliciesPut,
  contactsDelete,
  contactsGet,
  contactsList,
  contactsUpdate,
} from "@tessera/contracts";
import { ERASED_PLACEHOLDER } from "@tessera/eventstore";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contactStreamId } from "../src/domain/contact.ts";
import { messageStreamId } from "../src/domain/message.ts";
import { outboundStores } from "../src/infra/event-store.ts";
import {
  draftEmail,
  member,
  newContact,
  type OutboundHarness,
  refusal,
  startOutbound,
} from "./support/harness.ts";

let h: OutboundHarness;

beforeAll(async () => {
  h = await startOutbound();
});

afterAll(async () => {
  await h?.stop();
});

describe("contacts", () => {
  it("creates, reads, lists and patches a contact in its project only", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId, {
      email: "Ada@Example.test",
      timezone: "Europe/Berlin",
      externalRefs: { chatwoot: "42" },
    });
    expect(contact).toMatchObject({
      email: "Ada@Example.test",
      name: "Ada",
      timezone: "Europe/Berlin",
      externalRefs: { chatwoot: "42" },
      policy: { optedOut: false, stopOnReply: true, maxPerDay: null, maxPerWeek: null, quietHours: null },
    });
    const read = await h.caller.request(
      contactsGet,
      { projectId, contactId: contact.id },
      member(projectId, "viewer"),
    );
    expect(read).toEqual(contact);
    const other = randomUUID();
    expect(
      await refusal(
        h.caller.request(contactsGet, { projectId: other, contactId: contact.id }, member(other)),
      ),
    ).toMatchObject({ status: 404 });
    const patched = await h.caller.request(
      contactsUpdate,
      { projectId, contactId: contact.id, name: null, timezone: "America/New_York" },
      member(projectId, "member"),
    );
    expect(patched).toMatchObject({ name: null, timezone: "America/New_York", email: "Ada@Example.test" });
    const page = await h.caller.request(contactsList, { projectId, limit: 50 }, member(projectId, "viewer"));
    expect(page.items.map((item) => item.id)).toEqual([contact.id]);
  });

  it("refuses an unknown time zone and a viewer's write", async () => {
    const projectId = randomUUID();
    expect(await refusal(newContact(h, projectId, { timezone: "Mars/Olympus" }))).toMatchObject({
      status: 400,
    });
    const contact = await newContact(h, projectId);
    expect(
      await refusal(
        h.caller.request(
          contactsUpdate,
          { projectId, contactId: contact.id, name: "X" },
          member(projectId, "viewer"),
        ),
      ),
    ).toMatchObject({ status: 403 });
  });

  it("sets the policy for admins only and shows it on the contact", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId);
    const policy = {
      optedOut: false,
      stopOnReply: false,
      maxPerDay: 2,
      maxPerWeek: 5,
      quietHours: { start: "22:00", end: "08:00" },
    };
    expect(
      await refusal(
        h.caller.request(
          contactPoliciesPut,
          { projectId, contactId: contact.id, ...policy },
          member(projectId, "member"),
        ),
      ),
    ).toMatchObject({ status: 403 });
    expect(
      await refusal(
        h.caller.request(
          contactPoliciesPut,
          { projectId, contactId: contact.id, ...policy, quietHours: { start: "25:00", end: "08:00" } },
          member(projectId, "admin"),
        ),
      ),
    ).toMatchObject({ status: 400 });
    const set = await h.caller.request(
      contactPoliciesPut,
      { projectId, contactId: contact.id, ...policy },
      member(projectId, "admin"),
    );
    expect(set).toEqual(policy);
    const read = await h.caller.request(contactsGet, { projectId, contactId: contact.id }, member(projectId));
    expect(read.policy).toEqual(policy);
  });

  it("keeps the email sealed in the store and a blind index, not the address, for matching", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId, { email: "sealed@example.test" });
    const db = h.service.database.db;
    const { rows } = await sql<{
      data: unknown;
    }>`select data from outbound.events where stream_id = ${contactStreamId(contact.id)}`.execute(db);
    expect(JSON.stringify(rows)).not.toContain("sealed@example.test");
    const { rows: index } = await sql<{
      email_index: string;
    }>`select email_index from outbound.contacts where id = ${contact.id}`.execute(db);
    expect(index[0]?.email_index).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(index[0]?.email_index).not.toContain("sealed");
  });

  it("deletes a contact (admins only): 202, the row is gone and its sealed fields read as erased", async () => {
    const projectId = randomUUID();
    const contact = await newContact(h, projectId, { email: "gone@example.test", name: "Gone" });
    const message = await draftEmail(h, projectId, contact.id, { subject: "Private matter" });
    expect(
      await refusal(
        h.caller.request(contactsDelete, { projectId, contactId: contact.id }, member(projectId, "member")),
      ),
    ).toMatchObject({ status: 403 });
    await h.caller.request(contactsDelete, { projectId, contactId: contact.id }, member(projectId, "admin"));
    expect(
      await refusal(h.caller.request(contactsGet, { projectId, contactId: contact.id }, member(projectId))),
    ).toMatchObject({ status: 404, code: "outbound.contact_not_found" });
    const db = h.service.database.db;
    const { rows } = await sql<{
      count: number;
    }>`select count(*)::int as count from outbound.contacts where id = ${contact.id}`.execute(db);
    expect(rows[0]?.count).toBe(0);
    const slice = await outboundStores
      .on(db)
      .readStream<{ type: string; data: { email?: unknown; name?: unknown } }>(contactStreamId(contact.id));
    const created = slice.events.find((event) => event.type === "outbound.contact.created");
    expect(created?.data.email).toBe(ERASED_PLACEHOLDER);
    expect(created?.data.name).toBe(ERASED_PLACEHOLDER);
    const written = await outboundStores
      .on(db)
      .readStream<{ type: string; data: { content?: unknown } }>(messageStreamId(message.id));
    expect(written.events[0]?.data.content).toBe(ERASED_PLACEHOLDER);
    const { rows: copies } = await sql<{ subject: string | null; text: string | null }>`
      select subject, text from outbound.messages where id = ${message.id}`.execute(db);
    expect(copies[0]).toEqual({ subject: null, text: null });
  });
});
