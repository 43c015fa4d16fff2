import type { AddressInfo, Server, Socket } from "node:net";
import { createServer } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";

/** One mail a test SMTP server took, parsed, with its envelope and raw header lines. */
export interface CaughtMail {
  readonly envelopeTo: readonly string[];
  readonly parsed: ParsedMail;
  /** `name: value` of each header as sent (unfolded), keys lower-case. */
  header(name: string): string | undefined;
}

export interface SmtpSink {
  readonly port: number;
  readonly mails: CaughtMail[];
  readonly logins: { user: string; pass: string }[];
  close(): Promise<void>;
}

type Reply = { code: number; message: string } | null;

/** A real SMTP server on 127.0.0.1 (smtp-server), answering each mail per `reply` (default 250). */
export async function startSmtpSink(
  options: { reply?: () => Reply; queueId?: string; auth?: boolean } & Partial<SMTPServerOptions> = {},
): Promise<SmtpSink> {
  const mails: CaughtMail[] = [];
  const logins: { user: string; pass: string }[] = [];
  const { reply, queueId, auth, ...rest } = options;
  const server = new SMTPServer({
    authOptional: !auth,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    closeTimeout: 1_000,
    onAuth(credentials, _session, callback) {
      logins.push({ user: credentials.username ?? "", pass: credentials.password ?? "" });
      callback(null, { user: credentials.username });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const answer = reply?.() ?? null;
        if (answer) {
          callback(Object.assign(new Error(answer.message), { responseCode: answer.code }));
          return;
        }
        const raw = Buffer.concat(chunks);
        void simpleParser(raw).then((parsed) => {
          const lines = new Map(parsed.headerLines.map((line) => [line.key, line.line]));
          mails.push({
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            parsed,
            header(name) {
              const line = lines.get(name.toLowerCase());
              return line
                ?.slice(line.indexOf(":") + 1)
                .replace(/\r?\n\s+/g, " ")
                .trim();
            },
          });
          callback(null, queueId ? `Ok: queued as ${queueId}` : "Ok");
        });
      });
    },
    ...rest,
  });
  // A client that gives up mid-handshake (the refused certificate test) is an error of the
  // connection, not of the test.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    logins,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A TCP server that accepts and never says a word (an SMTP server that hangs before its greeting). */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export { eventually } from "@tessera/testing";
