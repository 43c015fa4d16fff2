import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Server } from "node:net";
import type { Logger } from "@tessera/service-kit";
import type { Kysely } from "kysely";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { renderMailList, renderMailPage } from "./mail-catcher-page.ts";
import {
  type CatcherDb,
  findCaughtMail,
  insertCaughtMail,
  listCaughtMails,
  pruneCaughtMails,
} from "./mail-catcher-store.ts";

export interface MailCatcherOptions {
  readonly db: Kysely<CatcherDb>;
  readonly logger: Logger;
  /** SMTP port on 127.0.0.1; 0 = any free port. */
  readonly smtpPort: number;
  /** Web page port on 127.0.0.1; 0 = any free port. */
  readonly webPort: number;
  /** Mails kept; the oldest go first. */
  readonly maxMails: number;
}

export interface MailCatcher {
  /** `smtp://127.0.0.1:<port>`: where outbound sends while no real SMTP server is configured. */
  readonly smtpUrl: string;
  /** `http://127.0.0.1:<port>/`: the development page listing what was caught. */
  readonly webUrl: string;
  close(): Promise<void>;
}

/** Largest message the catcher takes, in bytes (more is refused with 552). @default 10 MiB */
export const CAUGHT_MAIL_MAX_BYTES = 10 * 1024 * 1024;
/** Mails the page lists. */
const PAGE_MAILS = 200;

/**
 * A local SMTP server that accepts every message, parses it with mailparser and keeps it in the
 * outbound schema, and a page showing them (like Supabase's Inbucket). Both listen on 127.0.0.1
 * only; there is no authentication, so it is for development.
 */
export async function startMailCatcher(options: MailCatcherOptions): Promise<MailCatcher> {
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    size: CAUGHT_MAIL_MAX_BYTES,
    banner: "Tessera mail catcher (development)",
    logger: false,
    // Stopping waits this long for clients (outbound's own pooled channel among them) to say QUIT,
    // then drops them: the service's shutdown must end well within its own time-out.
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= CAUGHT_MAIL_MAX_BYTES) chunks.push(chunk);
      });
      stream.on("end", () => {
        if (stream.sizeExceeded) {
          callback(Object.assign(new Error("Message too large for the mail catcher"), { responseCode: 552 }));
          return;
        }
        const id = randomUUID();
        keep(
          options,
          id,
          Buffer.concat(chunks),
          session.envelope.rcptTo.map((rcpt) => rcpt.address),
        ).then(
          () => callback(null, `Ok: queued as ${id}`),
          (error: unknown) => {
            options.logger.error({ err: error }, "the mail catcher could not keep a mail");
            callback(
              Object.assign(new Error("The mail catcher could not store the mail"), { responseCode: 451 }),
            );
          },
        );
      });
    },
  });
  smtp.on("error", (error) => options.logger.warn({ err: error }, "mail catcher SMTP error"));
  await listen(smtp.server, options.smtpPort);
  const web = createServer((request, response) => {
    page(options.db, request, response).catch((error: unknown) => {
      options.logger.error({ err: error }, "the mail catcher page failed");
      if (!response.headersSent) send(response, 500, "text/plain; charset=utf-8", "The mail catcher failed.");
    });
  });
  try {
    await listen(web, options.webPort);
  } catch (error) {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw error;
  }
  return {
    smtpUrl: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    webUrl: `http://127.0.0.1:${(web.address() as AddressInfo).port}/`,
    async close() {
      web.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        new Promise<void>((resolve) => web.close(() => resolve())),
      ]);
    },
  };
}

async function keep(
  options: MailCatcherOptions,
  id: string,
  raw: Buffer,
  envelopeTo: string[],
): Promise<void> {
  const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const address = (value: typeof parsed.from | typeof parsed.to): string | null => {
    if (value === undefined) return null;
    return (Array.isArray(value) ? value : [value]).map((entry) => entry.text).join(", ");
  };
  await insertCaughtMail(options.db, {
    id,
    envelope_to: JSON.stringify(envelopeTo),
    from_header: address(parsed.from),
    to_header: address(parsed.to),
    subject: parsed.subject ?? null,
    message_id: parsed.messageId ?? null,
    headers: JSON.stringify(parsed.headerLines.map((line) => [line.key, line.line])),
    text_body: parsed.text ?? null,
    html_body: typeof parsed.html === "string" ? parsed.html : null,
    size: raw.length,
  });
  await pruneCaughtMails(options.db, options.maxMails);
}

const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** A caught HTML body runs nothing and loads nothing, even opened on its own. */
const BODY_CSP =
  "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'";
const MAIL_PATH = /^\/mails\/([0-9a-f-]{36})(\/html)?$/;

async function page(
  db: Kysely<CatcherDb>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    send(response, 405, "text/plain; charset=utf-8", "Method not allowed.", { allow: "GET, HEAD" });
    return;
  }
  const path = new URL(request.url ?? "/", "http://catcher").pathname;
  if (path === "/") {
    const list = await listCaughtMails(db, PAGE_MAILS, undefined);
    send(response, 200, "text/html; charset=utf-8", renderMailList(list.items), {
      "content-security-policy": PAGE_CSP,
    });
    return;
  }
  const match = MAIL_PATH.exec(path);
  const mail = match?.[1] ? await findCaughtMail(db, match[1]) : undefined;
  if (!mail) {
    send(response, 404, "text/plain; charset=utf-8", "No such mail.");
    return;
  }
  if (match?.[2]) {
    send(response, 200, "text/html; charset=utf-8", mail.html_body ?? "", {
      "content-security-policy": BODY_CSP,
    });
    return;
  }
  send(response, 200, "text/html; charset=utf-8", renderMailPage(mail), {
    "content-security-policy": PAGE_CSP,
  });
}

function send(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    "content-type": type,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    ...headers,
  });
  response.end(body);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}
