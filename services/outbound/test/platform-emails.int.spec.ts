import { randomBytes, randomUUID } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { busNames, createBus } from "@tessera/bus";
import type { EventEnvelope } from "@tessera/contracts";
import { parseAesKey, type RunningService, startService } from "@tessera/service-kit";
import { type InProcessService, startInProcess, TEST_NATS_URL, testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { issueLinkToken } from "../../auth/src/infra/link-tokens.ts";
import type { SystemEmail } from "../src/app/channels.ts";
import { registerPlatformEmails } from "../src/app/platform-emails.ts";
import { type OutboundConfig, outboundConfigSchema } from "../src/config.ts";
import { outboundService } from "../src/service.ts";
import { eventually } from "./smtp-sink.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const LINK_KEY = `links-1:${randomBytes(32).toString("base64url")}`;
const OLD_KEY = `links-0:${randomBytes(32).toString("base64url")}`;

/** What the seam received: the pipeline's input, recorded as it arrives. */
const sent: SystemEmail[] = [];
let instance: InProcessService<RunningService>;
let nc: NatsConnection;

/** Outbound's schema and streams with only the platform-email consumers, feeding the recorder. */
function startWithPlatformEmails(config: OutboundConfig): Promise<RunningService> {
  return startService(
    {
      ...outboundService(config),
      register: async (runtime) => {
        registerPlatformEmails(runtime, config, async (email) => {
          sent.push(email);
        });
      },
    },
    config,
  );
}

beforeAll(async () => {
  nc = await connect({ servers: TEST_NATS_URL });
  const namespace = testNamespace("platform");
  // The producers' streams, as auth and user create them at their start.
  for (const service of ["auth", "user"] as const) {
    await createBus(nc, { service, namespace, logger: silent }).provision();
  }
  instance = await startInProcess({
    configSchema: outboundConfigSchema,
    start: startWithPlatformEmails,
    namespace,
    env: { AUTH_LINK_TOKEN_KEY: `${LINK_KEY},${OLD_KEY}`, OUTBOUND_APP_URL: "https://app.example.org" },
  });
});

afterAll(async () => {
  await instance?.stop();
  await nc?.close();
});

beforeEach(() => {
  sent.length = 0;
});

async function publish(envelope: EventEnvelope, msgId = envelope.eventId): Promise<void> {
  const subject = busNames(instance.namespace).subject(`evt.${envelope.type}`);
  await jetstream(nc).publish(subject, JSON.stringify(envelope), { msgID: msgId });
}

function envelope(type: string, streamId: string, data: Record<string, unknown>): EventEnvelope {
  return {
    eventId: randomUUID(),
    type,
    version: 1,
    streamId,
    streamVersion: 2,
    globalPosition: "2",
    occurredAt: new Date().toISOString(),
    data,
    metadata: { requestId: randomUUID(), actor: "system:auth" },
  };
}

function linkRequest(
  type: "auth.password.reset_requested" | "auth.email.verification_requested",
  options: { key?: string; sealedFor?: string; ttlMs?: number } = {},
) {
  const accountId = randomUUID();
  const purpose = type === "auth.password.reset_requested" ? "password-reset" : "email-verification";
  const issued = issueLinkToken(
    parseAesKey(options.key ?? LINK_KEY),
    purpose,
    options.sealedFor ?? accountId,
  );
  const requestedAt = new Date();
  const event = envelope(type, `account-${accountId}`, {
    accountId,
    recipient: `${accountId.slice(0, 8)}@example.com`,
    token: issued.encrypted,
    requestedAt: requestedAt.toISOString(),
    expiresAt: new Date(requestedAt.getTime() + (options.ttlMs ?? 30 * 60_000)).toISOString(),
  });
  return { event, token: issued.token, recipient: `${accountId.slice(0, 8)}@example.com` };
}

const arrived = (eventId: string) => () => sent.find((email) => email.dedupeKey === eventId);

describe("the platform's own emails, from real events on the bus", () => {
  it("turns a password reset request into a reset email carrying the decrypted token", async () => {
    const { event, token, recipient } = linkRequest("auth.password.reset_requested");
    await publish(event);
    const email = await eventually(arrived(event.eventId));

    const link = `https://app.example.org/console/reset-password?token=${token}`;
    expect(email).toMatchObject({
      purpose: "password-reset",
      to: recipient,
      subject: "Reset your Tessera password",
      dedupeKey: event.eventId,
      cause: { kind: "auth.password.reset_requested", id: event.eventId },
    });
    expect(email.text).toContain(link);
    expect(email.text).toContain("within 30 minutes");
    expect(email.html).toContain(token);
  });

  it("sends the verification email with its link, opening a token sealed under a retired key", async () => {
    const { event, token } = linkRequest("auth.email.verification_requested", {
      key: OLD_KEY,
      ttlMs: 48 * 3_600_000,
    });
    await publish(event);
    const email = await eventually(arrived(event.eventId));
    expect(email.purpose).toBe("email-verification");
    expect(email.subject).toBe("Confirm your email address for Tessera");
    expect(email.text).toContain(`https://app.example.org/console/verify-email?token=${token}`);
    expect(email.text).toContain("within 48 hours");
  });

  it("sends the invitation email with the project name escaped in its HTML", async () => {
    const invitationId = randomUUID();
    const event = envelope("user.invitation.created", `invitation-${invitationId}`, {
      invitationId,
      projectId: randomUUID(),
      projectName: "<b>Acme</b> & Co",
      email: "invitee@example.com",
      role: "admin",
      invitedBy: randomUUID(),
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      createdAt: new Date().toISOString(),
    });
    await publish(event);
    const email = await eventually(arrived(event.eventId));
    expect(email).toMatchObject({ purpose: "invitation", to: "invitee@example.com" });
    expect(email.subject).toBe("You are invited to join <b>Acme</b> & Co on Tessera");
    expect(email.html).toContain("&lt;b&gt;Acme&lt;/b&gt; &amp; Co");
    expect(email.html).not.toContain("<b>Acme</b>");
    expect(email.text).toContain(`https://app.example.org/console/invitations/${invitationId}`);
  });

  it("sends one email for an event delivered twice", async () => {
    const { event } = linkRequest("auth.password.reset_requested");
    // A second copy under another message id passes JetStream's duplicate window, as a republish would.
    await publish(event);
    await publish(event, `${event.eventId}-again`);
    const marker = linkRequest("auth.password.reset_requested");
    await publish(marker.event);
    await eventually(arrived(marker.event.eventId));
    expect(sent.filter((email) => email.dedupeKey === event.eventId)).toHaveLength(1);
  });

  it("sends nothing for an expired link, nor for a token sealed for another account", async () => {
    const expired = linkRequest("auth.password.reset_requested", { ttlMs: -1_000 });
    const forged = linkRequest("auth.password.reset_requested", { sealedFor: randomUUID() });
    const unknownKey = linkRequest("auth.email.verification_requested", {
      key: `other:${randomBytes(32).toString("base64url")}`,
    });
    await publish(expired.event);
    await publish(forged.event);
    await publish(unknownKey.event);
    const marker = linkRequest("auth.password.reset_requested");
    await publish(marker.event);
    const markerVerify = linkRequest("auth.email.verification_requested");
    await publish(markerVerify.event);
    await eventually(arrived(marker.event.eventId));
    await eventually(arrived(markerVerify.event.eventId));
    const keys = sent.map((email) => email.dedupeKey);
    expect(keys).not.toContain(expired.event.eventId);
    expect(keys).not.toContain(forged.event.eventId);
    expect(keys).not.toContain(unknownKey.event.eventId);
  });
});
