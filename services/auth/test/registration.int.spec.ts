import { randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { busNames } from "@tessera/bus";
import { accountsRegister, type EventEnvelope, EventEnvelopeSchema } from "@tessera/contracts";
import { ERASED_PLACEHOLDER } from "@tessera/eventstore";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authStores } from "../src/infra/auth-store.ts";
import { type AuthHarness, ctx, rawRequest, startAuth } from "./support.ts";

let h: AuthHarness;
const password = "a perfectly fine passphrase";

beforeAll(async () => {
  h = await startAuth();
});

afterAll(async () => {
  await h?.stop();
});

const db = () => h.auth.database.db;

/** The `auth.account.registered` the bus carries for this account. */
async function publishedRegistration(accountId: string): Promise<EventEnvelope> {
  const jsm = await jetstreamManager(h.nc);
  const names = busNames(h.auth.namespace);
  const subject = names.subject("evt.auth.account.registered");
  const deadline = Date.now() + 5_000;
  for (;;) {
    const message = await jsm.streams.getMessage(names.eventStream("auth"), { last_by_subj: subject });
    const envelope = message ? EventEnvelopeSchema.parse(message.json()) : undefined;
    if (envelope && (envelope.data as { accountId?: string }).accountId === accountId) return envelope;
    if (Date.now() > deadline) throw new Error(`auth.account.registered of ${accountId} not published`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("sign-up with a display name", () => {
  it("seals the display name in the stored event like the email and publishes it, trimmed, for the profile", async () => {
    const name = `Ada ${randomUUID().slice(0, 8)}`;
    const email = `ada.${randomUUID().slice(0, 8)}@example.com`;
    const pair = await h.caller.request(
      accountsRegister,
      { email, password, displayName: `  ${name} ` },
      ctx(),
    );

    const published = await publishedRegistration(pair.user.id);
    expect(published.data).toEqual({
      accountId: pair.user.id,
      email,
      displayName: name,
      registeredAt: expect.any(String),
    });

    const { rows } = await sql<{ data: Record<string, unknown>; text: string }>`
      select data, data::text as text from auth.events
       where stream_id = ${`account-${pair.user.id}`} and type = 'auth.account.registered'`.execute(db());
    const stored = rows[0];
    expect(stored?.data.$sealed).toEqual(["email", "displayName", "passwordHash"]);
    expect(stored?.text).not.toContain(name);
    expect(await authStores.vault(db()).open(stored?.data)).toMatchObject({ displayName: name });
    // Erasure forgets it with the rest: the account's key goes.
    await authStores.vault(db()).destroyKey(pair.user.id);
    expect(await authStores.vault(db()).open(stored?.data)).toMatchObject({
      displayName: ERASED_PLACEHOLDER,
    });
  });

  it("publishes no display name when the sign-up gave none", async () => {
    const pair = await h.caller.request(
      accountsRegister,
      { email: `plain.${randomUUID().slice(0, 8)}@example.com`, password },
      ctx(),
    );
    const { data } = await publishedRegistration(pair.user.id);
    expect(Object.keys(data as object).sort()).toEqual(["accountId", "email", "registeredAt"]);
  });

  it.each([
    ["blank", "   "],
    ["over 100 characters", "n".repeat(101)],
    ["not a string", 42],
  ])("refuses a display name that is %s with 400 on displayName", async (_kind, displayName) => {
    const reply = await rawRequest(
      h,
      accountsRegister,
      { email: `bad.${randomUUID().slice(0, 8)}@example.com`, password, displayName },
      ctx(),
    );
    expect(reply).toMatchObject({ ok: false, error: { status: 400, code: "validation.failed" } });
    expect(reply.error?.errors?.map((error) => error.field)).toEqual(["displayName"]);
  });

  it("takes a display name of exactly 100 characters after trimming", async () => {
    const name = "m".repeat(100);
    const pair = await h.caller.request(
      accountsRegister,
      { email: `long.${randomUUID().slice(0, 8)}@example.com`, password, displayName: `\t${name}  ` },
      ctx(),
    );
    expect((await publishedRegistration(pair.user.id)).data).toMatchObject({ displayName: name });
  });
});
