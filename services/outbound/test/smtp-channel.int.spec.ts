import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EmailChannel } from "../src/app/channels.ts";
import { createSmtpChannel } from "../src/infra/smtp-channel.ts";
import { type SmtpSink, startSilentServer, startSmtpSink } from "./smtp-sink.ts";

const MESSAGE_ID = "0f4c9a1e-7a52-4e59-9b8e-3d1f1f3a9b10";
const delivery = {
  messageId: MESSAGE_ID,
  to: "ada@example.com",
  toName: "Ada Lovelace",
  subject: "Your order",
  text: "Plain body",
  html: "<p>HTML body</p>",
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink(options: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const server = await startSmtpSink(options);
  cleanups.push(() => server.close());
  return server;
}

function channel(url: string, timeoutMs = 10_000): EmailChannel {
  const created = createSmtpChannel({ url, from: "Tessera <no-reply@mail.example.org>", timeoutMs });
  cleanups.push(() => created.close());
  return created;
}

describe("the SMTP channel, against a real SMTP server on loopback", () => {
  it("sends headers and both bodies, with a Message-ID derived from the message id", async () => {
    const server = await sink();
    const result = await channel(`smtp://127.0.0.1:${server.port}`).send(delivery);

    expect(result).toMatchObject({ outcome: "sent", code: 250 });
    expect(result.providerMessageId).toBe(`<${MESSAGE_ID}@mail.example.org>`);
    expect(server.mails).toHaveLength(1);
    const [mail] = server.mails;
    expect(mail?.envelopeTo).toEqual(["ada@example.com"]);
    expect(mail?.parsed.messageId).toBe(`<${MESSAGE_ID}@mail.example.org>`);
    expect(mail?.parsed.subject).toBe("Your order");
    expect(mail?.parsed.text?.trim()).toBe("Plain body");
    expect(mail?.parsed.html).toContain("<p>HTML body</p>");
    expect(mail?.header("from")).toBe("Tessera <no-reply@mail.example.org>");
    expect(mail?.header("to")).toBe("Ada Lovelace <ada@example.com>");
    expect(mail?.header("list-unsubscribe")).toBeUndefined();
    expect(mail?.header("list-unsubscribe-post")).toBeUndefined();
  });

  it("adds the RFC 8058 one-click unsubscribe headers when the message has an unsubscribe URL", async () => {
    const server = await sink();
    const unsubscribeUrl = "https://app.example.org/v1/unsubscribe/tok_abc123";
    const result = await channel(`smtp://127.0.0.1:${server.port}`).send({ ...delivery, unsubscribeUrl });

    expect(result.outcome).toBe("sent");
    expect(server.mails[0]?.header("list-unsubscribe")).toBe(`<${unsubscribeUrl}>`);
    expect(server.mails[0]?.header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
  });

  it("keeps the Message-ID stable when the same message is sent again", async () => {
    const server = await sink();
    const smtp = channel(`smtp://127.0.0.1:${server.port}`);
    await smtp.send(delivery);
    await smtp.send(delivery);
    expect(server.mails.map((mail) => mail.parsed.messageId)).toEqual([
      `<${MESSAGE_ID}@mail.example.org>`,
      `<${MESSAGE_ID}@mail.example.org>`,
    ]);
  });

  it("names the server's queue id as the provider message id when its 250 gives one", async () => {
    const server = await sink({ queueId: "4Bx7Qm2kHfz9" });
    const result = await channel(`smtp://127.0.0.1:${server.port}`).send(delivery);
    expect(result).toMatchObject({ outcome: "sent", providerMessageId: "4Bx7Qm2kHfz9" });
  });

  it("logs in with the URL's user and password, and the password is in no result", async () => {
    const server = await sink({ auth: true });
    const smtp = channel(`smtp://mailer%40example.org:s3cr%3At-pw@127.0.0.1:${server.port}`);
    const result = await smtp.send(delivery);
    expect(result.outcome).toBe("sent");
    expect(server.logins).toEqual([{ user: "mailer@example.org", pass: "s3cr:t-pw" }]);

    const refused = await sink({
      auth: true,
      onAuth: (_auth, _session, callback) =>
        callback(Object.assign(new Error("Authentication failed"), { responseCode: 535 })),
    });
    const failed = await channel(`smtp://mailer:s3cr3t-pw@127.0.0.1:${refused.port}`).send(delivery);
    expect(failed).toMatchObject({ outcome: "failed", code: 535 });
    expect(JSON.stringify(failed)).not.toContain("s3cr3t-pw");
  });

  it("retries on a 4xx reply and fails on a 5xx one, with the server's code", async () => {
    const busy = await sink({ reply: () => ({ code: 451, message: "Try again later" }) });
    const retry = await channel(`smtp://127.0.0.1:${busy.port}`).send(delivery);
    expect(retry).toMatchObject({ outcome: "retry", code: 451 });
    expect(retry.error).toContain("Try again later");

    const refusing = await sink({ reply: () => ({ code: 550, message: "No such user" }) });
    const failed = await channel(`smtp://127.0.0.1:${refusing.port}`).send(delivery);
    expect(failed).toMatchObject({ outcome: "failed", code: 550 });
    expect(failed.error).toContain("No such user");
  });

  it("retries when the recipient is refused with a 4xx at RCPT TO, and fails with a 5xx there", async () => {
    const greylisting = await sink({
      onRcptTo: (_address, _session, callback) =>
        callback(Object.assign(new Error("Greylisted"), { responseCode: 450 })),
    });
    expect(await channel(`smtp://127.0.0.1:${greylisting.port}`).send(delivery)).toMatchObject({
      outcome: "retry",
      code: 450,
    });
    const unknown = await sink({
      onRcptTo: (_address, _session, callback) =>
        callback(Object.assign(new Error("Mailbox unavailable"), { responseCode: 550 })),
    });
    expect(await channel(`smtp://127.0.0.1:${unknown.port}`).send(delivery)).toMatchObject({
      outcome: "failed",
      code: 550,
    });
  });

  it("retries when nothing listens or the server never greets (configurable time-out)", async () => {
    const server = await sink();
    const port = server.port;
    await server.close();
    cleanups.pop();
    const refused = await channel(`smtp://127.0.0.1:${port}`).send(delivery);
    expect(refused.outcome).toBe("retry");
    expect(refused.code).toBeUndefined();

    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const started = Date.now();
    const timedOut = await channel(`smtp://127.0.0.1:${silent.port}`, 500).send(delivery);
    expect(timedOut.outcome).toBe("retry");
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});

describe("smtps://", () => {
  it("speaks TLS from the first byte and refuses a certificate nobody vouches for", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smtps-"));
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "1",
          "-subj",
          "/CN=127.0.0.1",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
      const server = await sink({
        secure: true,
        key: readFileSync(join(dir, "key.pem")),
        cert: readFileSync(join(dir, "cert.pem")),
      });
      const result = await channel(`smtps://127.0.0.1:${server.port}`, 5_000).send(delivery);
      expect(result.outcome).toBe("retry");
      expect(result.error).toMatch(/certificate/i);
      expect(server.mails).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
