import { randomBytes, randomUUID } from "node:crypto";
import { identityHooksReceive, type RawBody } from "@tessera/contracts";
import { busMessagesMentioning } from "@tessera/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  anonymous,
  DAY,
  eventually,
  type IngestionHarness,
  MINUTE,
  published,
  rawOf,
  refusal,
  SECOND,
  signed,
  startIngestion,
  UNVERIFIED,
} from "./support.ts";

const secret = (): string => `whsec_${randomBytes(24).toString("base64")}`;
const CLERK = secret();
const OLD_SECRET = secret();
const NEW_SECRET = secret();

let h: IngestionHarness;

beforeAll(async () => {
  h = await startIngestion({
    env: { IDENTITY_HOOK_ISSUERS: `clerk=${CLERK},rotating=${OLD_SECRET},rotating=${NEW_SECRET}` },
  });
});

afterAll(async () => {
  await h?.stop();
});

function deliver(issuerName: string, raw: RawBody): Promise<null> {
  return h.caller.request(identityHooksReceive, { issuerName, raw }, anonymous());
}

/** A Clerk `user.*` webhook body, as Clerk sends it. */
function clerkUser(
  type: string,
  user: { id: string; email?: string; verified?: boolean; firstName?: string; lastName?: string },
): string {
  const emailId = `idn_${randomUUID()}`;
  return JSON.stringify({
    data: {
      id: user.id,
      object: "user",
      email_addresses: user.email
        ? [
            {
              id: emailId,
              object: "email_address",
              email_address: user.email,
              verification: { status: user.verified ? "verified" : "unverified", strategy: "email_code" },
            },
          ]
        : [],
      primary_email_address_id: user.email ? emailId : null,
      first_name: user.firstName ?? null,
      last_name: user.lastName ?? null,
      username: null,
      created_at: 1_654_012_591_514,
    },
    object: "event",
    type,
    timestamp: 1_654_012_591_835,
    instance_id: "ins_123",
  });
}

function changesOf(subject: string) {
  return h.events.filter(
    (envelope) =>
      envelope.type === "ingestion.identity.changed" &&
      (envelope.data as { subject?: string }).subject === subject,
  );
}

async function deliveryOutcome(issuer: string, deliveryId: string) {
  const { rows } = await sql<{ outcome: string; event_type: string | null }>`
    select outcome, event_type from ingestion.identity_hook_deliveries
    where issuer = ${issuer} and delivery_id = ${deliveryId}
  `.execute(h.service.database.db);
  return rows[0];
}

describe("the identity hook", () => {
  it("publishes a Svix-signed Clerk user.created as ingestion.identity.changed, with the email and name sealed in the store", async () => {
    const subject = `user_${randomUUID()}`;
    const email = `ada-${randomUUID()}@example.test`;
    const body = clerkUser("user.created", {
      id: subject,
      email,
      verified: true,
      firstName: "Ada",
      lastName: "Lovelace",
    });
    const headers = signed(CLERK, body, h.clock.now(), `msg_${randomUUID()}`, "svix");
    expect(await deliver("clerk", rawOf(body, headers))).toBeNull();

    const [event] = await published(h, "ingestion.identity.changed", (data) => data.subject === subject);
    expect(event?.data).toEqual({
      issuer: "clerk",
      subject,
      change: "created",
      email,
      emailVerified: true,
      name: "Ada Lovelace",
      deliveryId: headers["svix-id"],
      receivedAt: h.clock.now().toISOString(),
    });
    const { rows } = await sql<{ data: string }>`
      select data::text from ingestion.events where type = 'ingestion.identity.changed' and data ->> 'subject' = ${subject}
    `.execute(h.service.database.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.data).not.toContain(email);
    expect(rows[0]?.data).not.toContain("Lovelace");
  });

  it("takes the webhook-* header set as well as svix-*", async () => {
    const subject = `user_${randomUUID()}`;
    const body = clerkUser("user.updated", { id: subject, email: "x@example.test", verified: false });
    expect(await deliver("clerk", rawOf(body, signed(CLERK, body, h.clock.now())))).toBeNull();
    const [event] = await published(h, "ingestion.identity.changed", (data) => data.subject === subject);
    expect(event?.data).toMatchObject({ change: "updated", email: "x@example.test", emailVerified: false });
  });

  it("answers a bad signature, an unknown issuer and a malformed issuer name with the same 401", async () => {
    const body = clerkUser("user.created", { id: `user_${randomUUID()}`, email: "e@example.test" });
    const now = h.clock.now();
    const refusals = await Promise.all([
      refusal(deliver("clerk", rawOf(body, signed(secret(), body, now)))),
      refusal(deliver("clerk", rawOf(`${body} `, signed(CLERK, body, now)))),
      refusal(deliver("clerk", rawOf(body, {}))),
      refusal(deliver("nobody", rawOf(body, signed(CLERK, body, now)))),
      refusal(deliver("Not A Name!", rawOf(body, signed(CLERK, body, now)))),
    ]);
    for (const answer of refusals) expect(answer).toEqual(UNVERIFIED);
  });

  it("refuses a timestamp more than five minutes away, either way, and takes one just inside", async () => {
    const body = clerkUser("user.updated", { id: `user_${randomUUID()}` });
    const now = h.clock.now().getTime();
    for (const offset of [-5 * MINUTE - 2 * SECOND, 5 * MINUTE + 2 * SECOND]) {
      const headers = signed(CLERK, body, new Date(now + offset), undefined, "svix");
      expect(await refusal(deliver("clerk", rawOf(body, headers)))).toEqual(UNVERIFIED);
    }
    const inside = signed(CLERK, body, new Date(now - 4 * MINUTE), undefined, "svix");
    expect(await deliver("clerk", rawOf(body, inside))).toBeNull();
  });

  it("answers a repeated delivery id 202 with no second event, even with a changed body", async () => {
    const subject = `user_${randomUUID()}`;
    const id = `msg_${randomUUID()}`;
    const first = clerkUser("user.updated", { id: subject, firstName: "First" });
    const second = clerkUser("user.updated", { id: subject, firstName: "Second" });
    expect(await deliver("clerk", rawOf(first, signed(CLERK, first, h.clock.now(), id, "svix")))).toBeNull();
    expect(await deliver("clerk", rawOf(first, signed(CLERK, first, h.clock.now(), id, "svix")))).toBeNull();
    expect(
      await deliver("clerk", rawOf(second, signed(CLERK, second, h.clock.now(), id, "svix"))),
    ).toBeNull();
    // A later delivery of the same identity shows the repeats had their chance to be published.
    const later = clerkUser("user.updated", { id: subject, firstName: "Later" });
    expect(await deliver("clerk", rawOf(later, signed(CLERK, later, h.clock.now())))).toBeNull();
    await published(h, "ingestion.identity.changed", (data) => data.name === "Later");
    expect(changesOf(subject).map((envelope) => (envelope.data as { name?: string }).name)).toEqual([
      "First",
      "Later",
    ]);
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from ingestion.events where type = 'ingestion.identity.changed' and data ->> 'subject' = ${subject}
    `.execute(h.service.database.db);
    expect(rows[0]?.count).toBe(2);
  });

  it("verifies both secrets of an issuer listed twice (a rotation), and neither issuer's for the other", async () => {
    for (const key of [OLD_SECRET, NEW_SECRET]) {
      const subject = `user_${randomUUID()}`;
      const body = clerkUser("user.created", { id: subject, email: `${subject}@example.test` });
      expect(
        await deliver("rotating", rawOf(body, signed(key, body, h.clock.now(), undefined, "svix"))),
      ).toBeNull();
      await published(h, "ingestion.identity.changed", (data) => data.subject === subject);
      expect(
        await refusal(deliver("clerk", rawOf(body, signed(key, body, h.clock.now(), undefined, "svix")))),
      ).toEqual(UNVERIFIED);
    }
  });

  it("answers 202 to other event types and bodies that are not Clerk user events, and records them as ignored", async () => {
    const cases = [
      JSON.stringify({ type: "session.created", data: { id: "sess_1" }, object: "event" }),
      JSON.stringify({ type: "user.created", data: { email_addresses: "nope" } }),
      "not json at all",
    ];
    for (const body of cases) {
      const id = `msg_${randomUUID()}`;
      expect(await deliver("clerk", rawOf(body, signed(CLERK, body, h.clock.now(), id)))).toBeNull();
      expect(await deliveryOutcome("clerk", id)).toMatchObject({ outcome: "ignored" });
    }
    expect(await deliveryOutcome("clerk", "never-sent")).toBeUndefined();
  });

  it("forgets delivery ids after the dedupe window: the pruning removes them and the id counts as new", async () => {
    const subject = `user_${randomUUID()}`;
    const id = `msg_${randomUUID()}`;
    const body = clerkUser("user.updated", { id: subject, firstName: "Once" });
    expect(await deliver("clerk", rawOf(body, signed(CLERK, body, h.clock.now(), id)))).toBeNull();
    const before = h.clock.now();
    h.clock.advance(3 * DAY + MINUTE);
    try {
      const pruning = h.hooks.pruning;
      if (!pruning) throw new Error("no pruning");
      expect(await pruning.runOnce()).toBeGreaterThan(0);
      expect(await deliveryOutcome("clerk", id)).toBeUndefined();
      const again = clerkUser("user.updated", { id: subject, firstName: "Twice" });
      expect(await deliver("clerk", rawOf(again, signed(CLERK, again, h.clock.now(), id)))).toBeNull();
      await published(
        h,
        "ingestion.identity.changed",
        (data) => data.subject === subject && data.name === "Twice",
      );
    } finally {
      h.clock.set(before);
    }
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const body = Buffer.alloc(1_048_577, 0x61);
    const headers = signed(CLERK, body, h.clock.now());
    const answer = await refusal(deliver("clerk", rawOf(body, headers)));
    expect(answer.status).toBe(413);
  });

  it("forgets a deleted user's email and name: the store's copies read as erased, the bus's are gone", async () => {
    const subject = `user_${randomUUID()}`;
    const email = `gone-${randomUUID()}@example.test`;
    const created = clerkUser("user.created", { id: subject, email, verified: true, firstName: "Gone" });
    expect(await deliver("clerk", rawOf(created, signed(CLERK, created, h.clock.now())))).toBeNull();
    await published(h, "ingestion.identity.changed", (data) => data.subject === subject);
    expect(await busMessagesMentioning(h.service.namespace, email)).toHaveLength(1);
    const deleted = JSON.stringify({
      data: { deleted: true, id: subject, object: "user" },
      object: "event",
      type: "user.deleted",
    });
    expect(await deliver("clerk", rawOf(deleted, signed(CLERK, deleted, h.clock.now())))).toBeNull();
    const [gone] = await published(
      h,
      "ingestion.identity.changed",
      (data) => data.subject === subject && data.change === "deleted",
    );
    expect(gone?.data).toMatchObject({ issuer: "clerk", subject, change: "deleted", emailVerified: false });
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from ingestion.personal_data_keys
      where subject_id = ${`identity:clerk:${subject}`} and key is null
    `.execute(h.service.database.db);
    expect(rows[0]?.count).toBe(1);
    await eventually(async () =>
      (await busMessagesMentioning(h.service.namespace, email)).length === 0 ? true : undefined,
    );
    // A late update of a deleted user brings nobody back.
    const late = clerkUser("user.updated", { id: subject, email, verified: true });
    expect(await deliver("clerk", rawOf(late, signed(CLERK, late, h.clock.now())))).toBeNull();
    const events = await sql<{ count: number }>`
      select count(*)::int as count from ingestion.events where type = 'ingestion.identity.changed' and data ->> 'subject' = ${subject}
    `.execute(h.service.database.db);
    expect(events.rows[0]?.count).toBe(2);
  });
});
