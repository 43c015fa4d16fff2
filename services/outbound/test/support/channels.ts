import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ParsedMail } from "mailparser";
import { startSmtpSink } from "../smtp-sink.ts";

/** The far sides of the test: a real SMTP server and a real HTTP receiver on loopback. */

export interface TestSmtp {
  readonly port: number;
  /** The mails taken so far, parsed. */
  readonly received: readonly ParsedMail[];
  /** The next `count` messages are answered with `code` (e.g. 451: try later; 550: refused). */
  failNext(count: number, code: number): void;
  stop(): Promise<void>;
}

/** The SMTP sink of `../smtp-sink.ts`, failing the next messages on demand. */
export async function startTestSmtp(): Promise<TestSmtp> {
  const failures: number[] = [];
  const sink = await startSmtpSink({
    reply: () => {
      const code = failures.shift();
      return code === undefined ? null : { code, message: `test failure ${code}` };
    },
  });
  return {
    port: sink.port,
    get received() {
      return sink.mails.map((mail) => mail.parsed);
    },
    failNext(count, code) {
      for (let i = 0; i < count; i++) failures.push(code);
    },
    stop: () => sink.close(),
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
