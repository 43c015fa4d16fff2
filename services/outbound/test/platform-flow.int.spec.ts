import { randomBytes, randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, createBus } from "@tessera/bus";
import { accountsRegister, mailList, passwordForgot, passwordReset, sessionsLogin } from "@tessera/contracts";
import { type RunningService, startService } from "@tessera/service-kit";
import {
  createTestDatabase,
  type InProcessService,
  startInProcess,
  TEST_NATS_URL,
  TEST_PASSWORD,
  type TestDatabase,
  testNamespace,
} from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authConfigSchema } from "../../auth/src/config.ts";
import { startAuthService } from "../../auth/src/service.ts";
import type { EmailChannel } from "../src/app/channels.ts";
import { registerPlatformEmails } from "../src/app/platform-emails.ts";
import { registerMailCatcher } from "../src/app/register-mail-catcher.ts";
import { type OutboundConfig, outboundConfigSchema } from "../src/config.ts";
import { createSmtpChannel } from "../src/infra/smtp-channel.ts";
import { outboundService } from "../src/service.ts";
import { eventually } from "./smtp-sink.ts";

// The channels' pieces end to end, from auth's real events: auth → the platform-email consumer →
// the SMTP channel → the local mail catcher → mail.list, then the link's token resets the password.
// `SendSystemEmail` here sends at once through the SMTP channel (the pipeline's job, which records
// the message first, is beside this branch).

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const LINK_KEY = `flow:${randomBytes(32).toString("base64url")}`;
let database: TestDatabase;
let auth: { stop(): Promise<void> } | undefined;
let outbound: InProcessService<RunningService>;
let nc: NatsConnection;
let caller: Bus;
let smtp: EmailChannel | undefined;

function startOutbound(config: OutboundConfig): Promise<RunningService> {
  const base = outboundService(config);
  return startService(
    {
      ...base,
      register: async (runtime) => {
        const { smtpUrl } = await registerMailCatcher(runtime, config);
        const channel = createSmtpChannel({ url: smtpUrl, from: config.OUTBOUND_FROM });
        smtp = channel;
        runtime.onStop("smtp channel", () => channel.close());
        registerPlatformEmails(runtime, config, async (email) => {
          const result = await channel.send({ messageId: email.dedupeKey, ...email });
          if (result.outcome !== "sent") throw new Error(`not sent: ${result.error}`);
        });
      },
    },
    config,
  );
}

beforeAll(async () => {
  database = await createTestDatabase("flow");
  const namespace = testNamespace("flow");
  const env = { AUTH_LINK_TOKEN_KEY: LINK_KEY };
  auth = await startInProcess({
    configSchema: authConfigSchema,
    start: startAuthService,
    database,
    namespace,
    env,
  });
  outbound = await startInProcess({
    configSchema: outboundConfigSchema,
    start: startOutbound,
    database,
    namespace,
    env: { ...env, OUTBOUND_APP_URL: "https://app.example.org" },
  });
  nc = await connect({ servers: TEST_NATS_URL });
  caller = createBus(nc, { service: "api-gateway", namespace, logger: silent });
});

afterAll(async () => {
  await nc?.close();
  await outbound?.stop();
  await auth?.stop();
  await database?.drop();
});

const ctx = () => ({ requestId: randomUUID(), actor: "system:test" });

describe("a forgotten password, through the channels to the mail catcher", () => {
  it("mails a reset link whose token resets the password", async () => {
    expect(smtp).toBeDefined();
    const email = `flow-${randomUUID().slice(0, 8)}@example.com`;
    await caller.request(accountsRegister, { email, password: TEST_PASSWORD }, { requestId: randomUUID() });
    await caller.request(passwordForgot, { email }, { requestId: randomUUID() });

    const reset = await eventually(async () => {
      const page = await caller.request(mailList, {}, ctx());
      return page.items.find((mail) => mail.to === email && mail.subject === "Reset your Tessera password");
    }, 30_000);
    expect(reset.messageId).toMatch(/^<[0-9a-f-]{36}@tessera\.localhost>$/);
    const token = /https:\/\/app\.example\.org\/console\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(
      reset.text ?? "",
    )?.[1];
    expect(token).toBeDefined();

    const newPassword = "a brand new passphrase for the flow";
    await caller.request(passwordReset, { token: token ?? "", newPassword }, { requestId: randomUUID() });
    const session = await caller.request(
      sessionsLogin,
      { email, password: newPassword },
      { requestId: randomUUID() },
    );
    expect(session.user.email).toBe(email);

    // The verification email of the sign-up came the same way.
    const verify = (await caller.request(mailList, {}, ctx())).items.find(
      (mail) => mail.to === email && mail.subject === "Confirm your email address for Tessera",
    );
    expect(verify?.text).toContain("https://app.example.org/console/verify-email?token=");
  });
});
