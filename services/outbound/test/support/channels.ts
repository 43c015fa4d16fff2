import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { Webhook } from "standardwebhooks";
import type { DeliveryResult, EmailChannel, WebhookChannel } from "../../src/app/channels.ts";

/**
 * Test transports: a real SMTP server and a real HTTP receiver on loopback, and minimal channels
 * that talk to them (the service's real channels replace these after the merge).
 */

export interface TestSmtp {
  readonly port: number;
  readonly received: ParsedMail[];
  /** The next `count` messages are answered with `code` (e.g. 451: try later; 550: refused). */
  failNext(count: number, code: number): void;
  stop(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const received: ParsedMail[] = [];
  const failures: number[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      const code = failures.shift();
      simpleParser(stream).then(
        (mail) => {
          if (code !== undefined) {
            const error = Object.assign(new Error(`test failure ${code}`), { responseCode: code });
            return callback(error);
          }
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    received,
    failNext(count, code) {
      for (let i = 0; i < count; i++) failures.push(code);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A minimal nodemailer channel to the test server: 250 → sent, 4xx → retry, 5xx → failed. */
export function testEmailChannel(
  port: number,
  from = "Tessera <no-reply@tessera.local>",
): EmailChannel & {
  sent: number;
} {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });
  const channel = {
    sent: 0,
    async send(delivery: Parameters<EmailChannel["send"]>[0]): Promise<DeliveryResult> {
      try {
        const info = await transport.sendMail({
          from,
          to: delivery.toName ? { name: delivery.toName, address: delivery.to } : delivery.to,
          subject: delivery.subject,
          text: delivery.text,
          ...(delivery.html ? { html: delivery.html } : {}),
          messageId: `<${delivery.messageId}@tessera.local>`,
          ...(delivery.unsubscribeUrl
            ? {
                list: { unsubscribe: { url: delivery.unsubscribeUrl, comment: "Unsubscribe" } },
                headers: { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
              }
            : {}),
        });
        channel.sent++;
        return { outcome: "sent", code: 250, providerMessageId: info.messageId };
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500) return { outcome: "failed", code, error: `refused (${code})` };
        return {
          outcome: "retry",
          ...(code ? { code } : {}),
          error: `temporary failure (${code ?? "no reply"})`,
        };
      }
    },
    async close() {
      transport.close();
    },
  };
  return channel;
}

export interface ReceivedHook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestReceiver {
  readonly url: string;
  readonly received: ReceivedHook[];
  /** The next answers' statuses (then 200 again), with optional `Retry-After` seconds. */
  answerNext(...statuses: { status: number; retryAfter?: number }[]): void;
  stop(): Promise<void>;
}

export async function startTestReceiver(): Promise<TestReceiver> {
  const received: ReceivedHook[] = [];
  const answers: { status: number; retryAfter?: number }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      const answer = answers.shift() ?? { status: 200 };
      if (answer.retryAfter !== undefined) response.setHeader("retry-after", String(answer.retryAfter));
      response.writeHead(answer.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answerNext(...statuses) {
      answers.push(...statuses);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A minimal Standard Webhooks channel over plain fetch to loopback (the real one goes through egress). */
export function testWebhookChannel(): WebhookChannel {
  return {
    async send(delivery) {
      const body = JSON.stringify({ type: delivery.eventType, data: delivery.payload });
      const at = new Date();
      const signatures = delivery.secrets.map((secret) =>
        new Webhook(secret).sign(delivery.deliveryId, at, body),
      );
      try {
        const response = await fetch(delivery.url, {
          method: "POST",
          redirect: "manual",
          headers: {
            "content-type": "application/json",
            "webhook-id": delivery.deliveryId,
            "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
            "webhook-signature": signatures.join(" "),
          },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        const code = response.status;
        if (code >= 200 && code < 300) return { outcome: "sent", code };
        if (code === 410) return { outcome: "gone", code, error: "gone" };
        if (code === 429 || code >= 500) {
          const after = Number(response.headers.get("retry-after"));
          return {
            outcome: "retry",
            code,
            error: `status ${code}`,
            ...(Number.isFinite(after) && after > 0 ? { retryAfterMs: after * 1000 } : {}),
          };
        }
        return { outcome: "failed", code, error: `status ${code}` };
      } catch (error) {
        return { outcome: "retry", error: error instanceof Error ? error.name : "failed" };
      }
    },
    async close() {},
  };
}
