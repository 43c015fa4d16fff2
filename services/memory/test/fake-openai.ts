import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hashEmbed } from "../src/infra/embeddings/local.ts";

export interface FakeOpenAi {
  baseUrl: string;
  /** Every request body received, in order. */
  requests: { input: string[]; model: string; dimensions?: number; authorization?: string }[];
  /** Answers the next requests with these statuses before answering normally. */
  failNext(...statuses: number[]): void;
  /** Stop answering (requests hang until the server closes). */
  hang(on: boolean): void;
  close(): Promise<void>;
}

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

/** An OpenAI-compatible `/v1/embeddings` on 127.0.0.1, answering with feature-hashed vectors. */
export async function startFakeOpenAi(options: { dimensions: number }): Promise<FakeOpenAi> {
  const requests: FakeOpenAi["requests"] = [];
  const failures: number[] = [];
  let hanging = false;
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const text = await body(request);
    const parsed: { input: string[]; model: string; dimensions?: number } = JSON.parse(text);
    requests.push({ ...parsed, authorization: request.headers.authorization });
    if (hanging) return;
    const status = failures.shift();
    if (status !== undefined) {
      response.writeHead(status, { "content-type": "application/json" }).end('{"error":{"message":"busy"}}');
      return;
    }
    const data = parsed.input.map((input, index) => ({
      object: "embedding",
      index,
      embedding: hashEmbed(input, options.dimensions),
    }));
    // Out of order on purpose: clients must sort by index.
    data.reverse();
    response
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ object: "list", data, model: parsed.model }));
  };
  const server: Server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext: (...statuses) => failures.push(...statuses),
    hang: (on) => {
      hanging = on;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
