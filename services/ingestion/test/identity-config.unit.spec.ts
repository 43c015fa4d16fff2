import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { createLogger, parseConfig } from "@tessera/service-kit";
import { describe, expect, it } from "vitest";
import { ingestionConfigSchema } from "../src/config.ts";
import { readClerkEvent } from "../src/domain/identity.ts";

const secret = (): string => `whsec_${randomBytes(24).toString("base64")}`;

describe("IDENTITY_HOOK_ISSUERS", () => {
  it("reads name=secret pairs, a name twice for a rotation, and none when unset", () => {
    const [a, b, c] = [secret(), secret(), secret()];
    const config = parseConfig(ingestionConfigSchema, {
      IDENTITY_HOOK_ISSUERS: `clerk=${a}, clerk=${b},staff-idp=${c}`,
    });
    expect(config.IDENTITY_HOOK_ISSUERS).toEqual([
      { name: "clerk", secret: a },
      { name: "clerk", secret: b },
      { name: "staff-idp", secret: c },
    ]);
    expect(parseConfig(ingestionConfigSchema, {}).IDENTITY_HOOK_ISSUERS).toEqual([]);
  });

  it("refuses a bad entry by its position, never printing a secret", () => {
    const good = secret();
    for (const value of [
      `Clerk=${good}`,
      `clerk=${good},other=not-a-secret`,
      `clerk${good}`,
      `${"a".repeat(41)}=${good}`,
    ]) {
      let message = "";
      try {
        parseConfig(ingestionConfigSchema, { IDENTITY_HOOK_ISSUERS: value });
      } catch (error) {
        message = String(error);
      }
      expect(message).toContain("IDENTITY_HOOK_ISSUERS");
      expect(message).not.toContain(good);
      expect(message).not.toContain("not-a-secret");
    }
  });

  it("keeps the secrets out of a logged configuration", () => {
    const value = secret();
    const config = parseConfig(ingestionConfigSchema, { IDENTITY_HOOK_ISSUERS: `clerk=${value}` });
    let written = "";
    const destination = new Writable({
      write(chunk, _encoding, done) {
        written += String(chunk);
        done();
      },
    });
    createLogger({ service: "ingestion", destination }).info({ config }, "started");
    createLogger({ service: "ingestion", destination }).info(
      { issuers: config.IDENTITY_HOOK_ISSUERS },
      "issuers",
    );
    expect(written).toContain("clerk");
    expect(written).not.toContain(value.slice(6));
  });
});

describe("reading Clerk events", () => {
  it("takes the primary email and its verification, the name, and ignores other types and shapes", () => {
    const data = {
      id: "user_1",
      email_addresses: [
        { id: "idn_other", email_address: "other@example.test", verification: { status: "verified" } },
        { id: "idn_primary", email_address: "primary@example.test", verification: { status: "unverified" } },
      ],
      primary_email_address_id: "idn_primary",
      first_name: "Ada",
      last_name: null,
      username: "ada",
      extra: { kept: true },
    };
    expect(readClerkEvent({ type: "user.updated", data })).toEqual({
      kind: "user",
      facts: {
        subject: "user_1",
        change: "updated",
        email: "primary@example.test",
        emailVerified: false,
        name: "Ada",
      },
    });
    expect(readClerkEvent({ type: "user.created", data: { ...data, first_name: null } })).toMatchObject({
      facts: { name: "ada" },
    });
    expect(readClerkEvent({ type: "session.created", data })).toMatchObject({
      kind: "ignored",
      reason: "other_event_type",
    });
    expect(readClerkEvent({ type: "user.created", data: { id: "user\u0000x" } })).toMatchObject({
      kind: "ignored",
      reason: "not_a_user_event",
    });
    expect(readClerkEvent("text")).toMatchObject({ kind: "ignored", reason: "not_a_user_event" });
  });
});
