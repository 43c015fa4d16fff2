import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Bus, createBus } from "@tessera/bus";
import { type CaughtMailPage, mailList, TesseraError } from "@tessera/contracts";
import type { RunningService } from "@tessera/service-kit";
import { type InProcessService, startInProcess, TEST_NATS_URL } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmailChannel } from "../src/app/channels.ts";
import { outboundConfigSchema } from "../src/config.ts";
import { createSmtpChannel } from "../src/infra/smtp-channel.ts";
import { startOutboundService } from "../src/service.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const HOSTILE_SUBJECT = `<script>alert("caught")</script> & <b>bold</b>`;

let instance: InProcessService<RunningService>;
let nc: NatsConnection;
let caller: Bus;
let catcher: NonNullable<CaughtMailPage["catcher"]>;
let smtp: EmailChannel;

const asSystem = () => ({ requestId: randomUUID(), actor: "system:cli" });
const list = (query: { limit?: number; cursor?: string } = {}, ctx = asSystem()) =>
  caller.request(mailList, query, ctx);

beforeAll(async () => {
  instance = await startInProcess({
    configSchema: outboundConfigSchema,
    start: startOutboundService,
    env: { OUTBOUND_CATCHER_MAX_MAILS: "4" },
  });
  nc = await connect({ servers: TEST_NATS_URL });
  caller = createBus(nc, { service: "api-gateway", namespace: instance.namespace, logger: silent });
  const page = await list();
  if (!page.catcher) throw new Error("the catcher should run without OUTBOUND_SMTP_URL");
  catcher = page.catcher;
  smtp = createSmtpChannel({ url: catcher.smtp, from: "Tessera <no-reply@tessera.localhost>" });
});

afterAll(async () => {
  await smtp?.close();
  await nc?.close();
  await instance?.stop();
});

const delivery = (subject: string) => ({
  messageId: randomUUID(),
  to: "newcomer@example.com",
  subject,
  text: `Text of ${subject}`,
  html: `<p onclick="alert(1)">HTML of <i>${subject.replaceAll("<", "&lt;")}</i></p><script>alert(2)</script>`,
});

describe("the local mail catcher", () => {
  it("catches what the SMTP channel sends and lists it through svc.outbound.mail.list", async () => {
    const sent = delivery("Reset your Tessera password");
    const result = await smtp.send(sent);
    expect(result.outcome).toBe("sent");

    const page = await list();
    expect(page.catcher).toEqual(catcher);
    expect(catcher.smtp).toMatch(/^smtp:\/\/127\.0\.0\.1:\d+$/);
    expect(catcher.web).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const [mail] = page.items;
    expect(mail).toMatchObject({
      envelopeTo: ["newcomer@example.com"],
      to: "newcomer@example.com",
      from: '"Tessera" <no-reply@tessera.localhost>',
      subject: "Reset your Tessera password",
      messageId: `<${sent.messageId}@tessera.localhost>`,
      hasHtml: true,
    });
    expect(mail?.text?.trim()).toBe("Text of Reset your Tessera password");
    // The catcher's queue id is the caught mail's id.
    expect(result.providerMessageId).toBe(mail?.id);
  });

  it("keeps only the newest OUTBOUND_CATCHER_MAX_MAILS, and pages newest first", async () => {
    for (const n of [1, 2, 3, 4, 5]) await smtp.send(delivery(`Bulk ${n}`));
    const first = await list({ limit: 3 });
    expect(first.items.map((mail) => mail.subject)).toEqual(["Bulk 5", "Bulk 4", "Bulk 3"]);
    expect(first.nextCursor).not.toBeNull();
    const second = await list({ limit: 3, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((mail) => mail.subject)).toEqual(["Bulk 2"]);
    expect(second.nextCursor).toBeNull();
  });

  it("answers platform admins and the platform, and refuses other users", async () => {
    const admin = { requestId: randomUUID(), actor: randomUUID(), roles: ["admin"] };
    expect((await list({}, admin)).items.length).toBeGreaterThan(0);
    const user = { requestId: randomUUID(), actor: randomUUID() };
    const refused = await list({}, user).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TesseraError);
    expect(refused).toMatchObject({ code: "auth.forbidden", status: 403 });
    const bad = await list({ limit: 1_000 }).catch((error: unknown) => error);
    expect(bad).toMatchObject({ code: "validation.failed", status: 400 });
  });

  it("shows the mails on its page, escaped, under a strict CSP, with the HTML body sandboxed", async () => {
    await smtp.send(delivery(HOSTILE_SUBJECT));
    const index = await fetch(catcher.web);
    expect(index.status).toBe(200);
    const csp = index.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain("script-src");
    const html = await index.text();
    expect(html).toContain(
      "&lt;script&gt;alert(&quot;caught&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;",
    );
    expect(html).not.toContain("<script");

    const [mail] = (await list()).items;
    const detail = await fetch(new URL(`/mails/${mail?.id}`, catcher.web));
    const body = await detail.text();
    expect(body).toContain("Text of &lt;script&gt;");
    expect(body).not.toContain("<script");
    expect(body).toContain(`<iframe sandbox title="HTML body" src="/mails/${mail?.id}/html">`);

    const inner = await fetch(new URL(`/mails/${mail?.id}/html`, catcher.web));
    expect(inner.headers.get("content-security-policy")).toMatch(/^sandbox; default-src 'none'/);
    expect(await inner.text()).toContain("HTML of <i>");

    expect((await fetch(new URL(`/mails/${randomUUID()}`, catcher.web))).status).toBe(404);
    expect((await fetch(new URL("/nothing", catcher.web))).status).toBe(404);
    expect((await fetch(catcher.web, { method: "POST" })).status).toBe(405);
  });
});

describe("outbound with OUTBOUND_SMTP_URL set", () => {
  it("starts no catcher and says so in mail.list", async () => {
    const configured = await startInProcess({
      configSchema: outboundConfigSchema,
      start: startOutboundService,
      env: { OUTBOUND_SMTP_URL: "smtp://127.0.0.1:2525" },
    });
    try {
      const other = createBus(nc, {
        service: "api-gateway",
        namespace: configured.namespace,
        logger: silent,
      });
      const page = await other.request(mailList, {}, asSystem());
      expect(page).toEqual({ items: [], nextCursor: null, catcher: null });
    } finally {
      await configured.stop();
    }
  });
});
