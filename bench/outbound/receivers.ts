import { once } from "node:events";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { Webhook } from "standardwebhooks";

/** Where deliveries land, by the bench's own marker (`bench-<run>-<n>`), with the time each arrived. */
export interface Arrivals {
  readonly at: Map<string, number>;
  /** Resolves when every marker in `markers` has arrived, or rejects after `timeoutMs`. */
  waitFor(markers: readonly string[], timeoutMs: number): Promise<void>;
}

function arrivals(): Arrivals & { record(marker: string): void } {
  const at = new Map<string, number>();
  let waiting: { markers: readonly string[]; resolve: () => void } | undefined;
  const complete = (markers: readonly string[]) => markers.every((marker) => at.has(marker));
  return {
    at,
    record(marker) {
      if (!at.has(marker)) at.set(marker, performance.now());
      if (waiting && complete(waiting.markers)) waiting.resolve();
    },
    waitFor(markers, timeoutMs) {
      if (complete(markers)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const missing = markers.filter((marker) => !at.has(marker)).length;
          reject(
            new Error(`${missing} of ${markers.length} deliveries had not arrived after ${timeoutMs} ms`),
          );
        }, timeoutMs);
        waiting = {
          markers,
          resolve: () => {
            clearTimeout(timer);
            waiting = undefined;
            resolve();
          },
        };
      });
    },
  };
}

const MARKER = /bench-[0-9a-f]{8}-\d+/;

/**
 * A local SMTP sink (the `smtp-server` package): accepts every message, reads it whole and notes
 * the time it arrived under the marker in its subject. The same sink takes Tessera's emails and
 * the baseline's.
 */
export async function startSmtpSink(): Promise<Arrivals & { url: string; close(): Promise<void> }> {
  const landed = arrivals();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    size: 1_048_576,
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const headers = Buffer.concat(chunks).toString("utf8").split("\r\n\r\n")[0] ?? "";
        const subject = /^Subject: (.*)$/im.exec(headers)?.[1] ?? "";
        const marker = MARKER.exec(subject)?.[0];
        if (marker) landed.record(marker);
        done();
      });
    },
  });
  server.listen(0, "127.0.0.1");
  await once(server.server, "listening");
  const { port } = server.server.address() as AddressInfo;
  return {
    ...landed,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A local webhook receiver: verifies each delivery's Standard Webhooks signature with the
 * `standardwebhooks` library (as a receiver must), answers 204, and notes the time under the
 * marker in the payload. `secret` can be set once the endpoint's secret is known.
 */
export async function startWebhookReceiver(): Promise<
  Arrivals & { url: string; useSecret(secret: string): void; rejected(): number; close(): Promise<void> }
> {
  const landed = arrivals();
  let verifier: Webhook | undefined;
  let rejected = 0;
  const server = createServer(async (request, response) => {
    const body = await bodyOf(request);
    try {
      if (!verifier) throw new Error("no secret yet");
      verifier.verify(body, {
        "webhook-id": String(request.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(request.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(request.headers["webhook-signature"] ?? ""),
      });
    } catch {
      rejected += 1;
      response.writeHead(401).end();
      return;
    }
    const marker = MARKER.exec(body)?.[0];
    if (marker) landed.record(marker);
    response.writeHead(204).end();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    ...landed,
    url: `http://127.0.0.1:${port}/hooks`,
    useSecret(secret) {
      verifier = new Webhook(secret);
    },
    rejected: () => rejected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
