import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { parseEgressAllowList } from "@tessera/egress";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { WebhookDelivery } from "../src/app/channels.ts";
import { createWebhookChannel } from "../src/infra/webhook-channel.ts";

const SECRET_NEW = `whsec_${Buffer.from("a new secret of thirty-two bytes").toString("base64")}`;
const SECRET_OLD = `whsec_${Buffer.from("the old secret, still verifying!").toString("base64")}`;

interface Received {
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
  /** What `Webhook.verify` gave with each secret (the parsed body), or the error's message. */
  readonly verified: Record<"new" | "old", unknown>;
}

let answer: (response: ServerResponse) => void = (response) => response.writeHead(204).end();
const received: Received[] = [];
let connections = 0;
let port = 0;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    const headers = request.headers as Record<string, string>;
    const verify = (secret: string): unknown => {
      try {
        return new Webhook(secret).verify(body, headers);
      } catch (error) {
        return (error as Error).message;
      }
    };
    received.push({
      headers: request.headers,
      body,
      verified: { new: verify(SECRET_NEW), old: verify(SECRET_OLD) },
    });
    answer(response);
  });
});
server.on("connection", () => {
  connections += 1;
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received.length = 0;
  connections = 0;
  answer = (response) => response.writeHead(204).end();
});

const allowed = createWebhookChannel({ allow: parseEgressAllowList("127.0.0.1"), timeoutMs: 2_000 });

function delivery(overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    deliveryId: "msg_2c9bd2ee-3a8f-4c7e-9c1a-5f1d2c3b4a59",
    url: `http://127.0.0.1:${port}/hooks/tessera`,
    secrets: [SECRET_NEW],
    eventType: "order.shipped",
    payload: { orderId: "o-42", items: [1, 2] },
    ...overrides,
  };
}

describe("signed webhook deliveries to a real receiver on loopback", () => {
  it("posts { type, timestamp, data } that the receiver verifies with the standardwebhooks library", async () => {
    const result = await allowed.send(delivery());

    expect(result).toEqual({ outcome: "sent", code: 204 });
    expect(received).toHaveLength(1);
    const [hook] = received;
    expect(hook?.headers["content-type"]).toBe("application/json");
    expect(hook?.headers["webhook-id"]).toBe("msg_2c9bd2ee-3a8f-4c7e-9c1a-5f1d2c3b4a59");
    const body = JSON.parse(hook?.body ?? "{}");
    expect(body).toEqual({
      type: "order.shipped",
      timestamp: new Date(Number(hook?.headers["webhook-timestamp"]) * 1000).toISOString(),
      data: { orderId: "o-42", items: [1, 2] },
    });
    expect(hook?.verified.new).toEqual(body);
    expect(hook?.verified.old).toBe("No matching signature found");
  });

  it("signs once per secret, space-separated, so a receiver on either secret verifies", async () => {
    await allowed.send(delivery({ secrets: [SECRET_NEW, SECRET_OLD] }));
    const [hook] = received;
    const signature = String(hook?.headers["webhook-signature"]);
    expect(signature.split(" ")).toHaveLength(2);
    expect(signature.split(" ").every((part) => part.startsWith("v1,"))).toBe(true);
    expect(hook?.verified.new).toMatchObject({ type: "order.shipped" });
    expect(hook?.verified.old).toMatchObject({ type: "order.shipped" });
  });

  it("sends nothing unsigned: an endpoint without a secret fails", async () => {
    expect(await allowed.send(delivery({ secrets: [] }))).toMatchObject({ outcome: "failed" });
    expect(received).toEqual([]);
  });

  it("keeps the webhook-id across retries of one delivery, so the receiver can de-duplicate", async () => {
    await allowed.send(delivery());
    await allowed.send(delivery());
    expect(received.map((hook) => hook.headers["webhook-id"])).toEqual([
      "msg_2c9bd2ee-3a8f-4c7e-9c1a-5f1d2c3b4a59",
      "msg_2c9bd2ee-3a8f-4c7e-9c1a-5f1d2c3b4a59",
    ]);
  });

  it("maps 3xx to failed without following, 410 to gone and other 4xx to failed", async () => {
    answer = (response) => response.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
    expect(await allowed.send(delivery())).toMatchObject({ outcome: "failed", code: 302 });
    expect(received).toHaveLength(1);

    answer = (response) => response.writeHead(410).end();
    expect(await allowed.send(delivery())).toMatchObject({ outcome: "gone", code: 410 });
    answer = (response) => response.writeHead(400).end("bad");
    expect(await allowed.send(delivery())).toMatchObject({ outcome: "failed", code: 400 });
    answer = (response) => response.writeHead(404).end();
    expect(await allowed.send(delivery())).toMatchObject({ outcome: "failed", code: 404 });
  });

  it("retries 429 and 5xx, honouring Retry-After in seconds or as an HTTP date, capped", async () => {
    answer = (response) => response.writeHead(429, { "retry-after": "30" }).end();
    expect(await allowed.send(delivery())).toMatchObject({
      outcome: "retry",
      code: 429,
      retryAfterMs: 30_000,
    });

    const now = new Date("2026-12-01T10:00:00.000Z");
    const clocked = createWebhookChannel({
      allow: parseEgressAllowList("127.0.0.1"),
      clock: () => now,
      maxRetryAfterMs: 600_000,
    });
    answer = (response) => response.writeHead(503, { "retry-after": "Tue, 01 Dec 2026 10:02:00 GMT" }).end();
    expect(await clocked.send(delivery())).toMatchObject({
      outcome: "retry",
      code: 503,
      retryAfterMs: 120_000,
    });
    answer = (response) => response.writeHead(503, { "retry-after": "86400" }).end();
    expect(await clocked.send(delivery())).toMatchObject({ outcome: "retry", retryAfterMs: 600_000 });

    answer = (response) => response.writeHead(500).end();
    const plain = await allowed.send(delivery());
    expect(plain).toMatchObject({ outcome: "retry", code: 500 });
    expect(plain.retryAfterMs).toBeUndefined();
  });

  it("retries after its time-out when the receiver does not answer, and when nothing listens", async () => {
    answer = () => {};
    const started = Date.now();
    const slow = await createWebhookChannel({
      allow: parseEgressAllowList("127.0.0.1"),
      timeoutMs: 300,
    }).send(delivery());
    expect(slow.outcome).toBe("retry");
    expect(slow.error).toContain("300 ms");
    expect(Date.now() - started).toBeLessThan(10_000);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const unused = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await allowed.send(delivery({ url: `http://127.0.0.1:${unused}/` }));
    expect(refused.outcome).toBe("retry");
  });
});

describe("the egress guard in front of webhook deliveries", () => {
  it("refuses a loopback endpoint without the allow-list before connecting: failed, nothing sent", async () => {
    const attempts: string[] = [];
    const onSocket = (message: unknown): void => {
      (message as { socket: Socket }).socket.on("connectionAttempt", (address: string, to: number) =>
        attempts.push(`${address}:${to}`),
      );
    };
    subscribe("net.client.socket", onSocket);
    try {
      const guarded = createWebhookChannel();
      for (const host of ["127.0.0.1", "localhost", "[::1]", "10.0.0.7", "169.254.169.254"]) {
        const result = await guarded.send(delivery({ url: `http://${host}:${port}/hooks/tessera` }));
        expect(result.outcome, host).toBe("failed");
        expect(result.error, host).toContain("refused by the egress guard (address)");
      }
      const credentials = await guarded.send(delivery({ url: `http://user:pw@example.com/` }));
      expect(credentials).toMatchObject({ outcome: "failed" });
      expect(credentials.error).toContain("(credentials)");
    } finally {
      unsubscribe("net.client.socket", onSocket);
    }
    expect(attempts).toEqual([]);
    expect(connections).toBe(0);
    expect(received).toEqual([]);
  });
});
