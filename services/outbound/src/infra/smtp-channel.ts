import nodemailer from "nodemailer";
import type { DeliveryResult, EmailChannel, EmailDelivery } from "../app/channels.ts";

export interface SmtpChannelOptions {
  /** `smtp://[user:pass@]host:port` or `smtps://…` (`OUTBOUND_SMTP_URL`). */
  readonly url: string;
  /** `address` or `Name <address>` (`OUTBOUND_FROM`); its domain names every `Message-ID`. */
  readonly from: string;
  /** Opening a connection, the server's greeting, and silence mid-transaction, each in ms. @default 30_000 */
  readonly timeoutMs?: number;
  /** Connections kept open to the server. @default 5 */
  readonly maxConnections?: number;
}

/** The longest reason kept from a server's reply. */
const REASON_MAX = 200;

/** Failures before or around the SMTP dialogue that a later attempt may not meet. */
const TRANSIENT_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ETLS", "ECONNRESET"]);

/**
 * Email over SMTP with nodemailer, pooled. The `Message-ID` is `<messageId@domain of from>`, so a
 * re-sent message is the same message to the receiving side; the reply becomes a `DeliveryResult`
 * (250 sent, 4xx and connection failures retry, 5xx failed). The URL's password is used for the
 * AUTH exchange only: it is in no result, log or error this returns.
 */
export function createSmtpChannel(options: SmtpChannelOptions): EmailChannel {
  const domain = domainOf(options.from);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    ...serverOf(options.url),
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
  });

  return {
    async send(delivery: EmailDelivery): Promise<DeliveryResult> {
      const messageId = `<${delivery.messageId}@${domain}>`;
      try {
        const info = await transport.sendMail({
          from: options.from,
          to: delivery.toName ? { name: delivery.toName, address: delivery.to } : delivery.to,
          subject: delivery.subject,
          text: delivery.text,
          ...(delivery.html === undefined ? {} : { html: delivery.html }),
          messageId,
          headers: delivery.unsubscribeUrl
            ? {
                "List-Unsubscribe": `<${delivery.unsubscribeUrl}>`,
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
              }
            : {},
        });
        return {
          outcome: "sent",
          code: replyCode(info.response) ?? 250,
          providerMessageId: queueIdOf(info.response) ?? messageId,
        };
      } catch (error) {
        return failureOf(error);
      }
    },
    async close() {
      transport.close();
    },
  };
}

type Server = { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } };

function serverOf(url: string): Server {
  const parsed = new URL(url);
  const secure = parsed.protocol === "smtps:";
  if (!secure && parsed.protocol !== "smtp:") throw new TypeError("the SMTP URL must be smtp:// or smtps://");
  const server: Server = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port === "" ? (secure ? 465 : 587) : Number(parsed.port),
    secure,
  };
  if (parsed.username === "") return server;
  return {
    ...server,
    auth: { user: decodeURIComponent(parsed.username), pass: decodeURIComponent(parsed.password) },
  };
}

/** The domain of `from` (`a@b.example` or `Name <a@b.example>`). */
export function domainOf(from: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address.slice(address.lastIndexOf("@") + 1).trim();
  if (domain === "" || !address.includes("@")) throw new TypeError("the sender must be an email address");
  return domain;
}

function replyCode(response: string | undefined): number | undefined {
  const code = /^\s*([2-5]\d\d)\b/.exec(response ?? "")?.[1];
  return code === undefined ? undefined : Number(code);
}

/**
 * The queue id a server names in its 250 (Postfix `queued as 4Bx…`, Exim `id=1r…`, others
 * `queued as <id>` or `<id> Message accepted`), when it names one.
 */
export function queueIdOf(response: string | undefined): string | undefined {
  if (!response) return undefined;
  const patterns = [/queued as\s+<?([A-Za-z0-9._@-]+)>?/i, /\bid=([A-Za-z0-9._-]+)/i];
  for (const pattern of patterns) {
    const id = pattern.exec(response)?.[1];
    if (id) return id;
  }
  return undefined;
}

function failureOf(error: unknown): DeliveryResult {
  const details = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const code = typeof details.responseCode === "number" ? details.responseCode : undefined;
  const errno = typeof details.code === "string" ? details.code : "";
  const response = typeof details.response === "string" ? details.response : undefined;
  const reason = short(response ?? (error instanceof Error ? error.message : String(error)));
  if (code !== undefined && code >= 400 && code < 500) {
    return { outcome: "retry", code, error: `SMTP ${code}: ${reason}` };
  }
  if (code !== undefined && code >= 500) return { outcome: "failed", code, error: `SMTP ${code}: ${reason}` };
  if (TRANSIENT_CODES.has(errno)) return { outcome: "retry", error: `SMTP connection failed: ${reason}` };
  return { outcome: "failed", ...(code === undefined ? {} : { code }), error: `SMTP failed: ${reason}` };
}

function short(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > REASON_MAX ? `${line.slice(0, REASON_MAX - 1)}…` : line;
}
