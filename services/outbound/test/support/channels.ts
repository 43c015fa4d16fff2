import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** The far sides of the test: a real SMTP server and a real HTTP receiver on loopback. */

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
