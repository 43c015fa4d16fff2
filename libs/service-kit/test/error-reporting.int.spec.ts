import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { trace } from "@opentelemetry/api";
import { eventually, startOtlpReceiver } from "@tessera/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger, startErrorReporting, startTelemetry } from "../src/index.ts";

/** A fake Sentry ingest on loopback: every request it gets, with its path and body. */
async function startFakeIngest() {
  const requests: { path: string; body: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      const body = request.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
      requests.push({ path: request.url ?? "", body: body.toString("utf8") });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    dsn: `http://publickey@127.0.0.1:${address.port}/1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The items of a Sentry envelope (newline-separated JSON: header, then item header and payload pairs). */
function envelopeItems(body: string): { type: string; payload: Record<string, unknown> }[] {
  const lines = body.split("\n").filter((line) => line !== "");
  const items: { type: string; payload: Record<string, unknown> }[] = [];
  for (let index = 1; index + 1 < lines.length; index += 2) {
    items.push({
      type: JSON.parse(lines[index] ?? "{}").type,
      payload: JSON.parse(lines[index + 1] ?? "{}"),
    });
  }
  return items;
}

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
const ingest = await startFakeIngest();
const otlp = await startOtlpReceiver();
afterAll(async () => {
  await ingest.close();
  await otlp.close();
});

describe("error reporting", () => {
  it("reports nothing and loads no SDK without a DSN", async () => {
    const reporter = await startErrorReporting({ service: "auth" });
    expect(reporter.enabled).toBe(false);
    reporter.report({ error: new Error("ignored"), fields: {} });
    await reporter.close();
  });

  it("sends an error logged at error level with the request id, service and trace id, secrets redacted", async () => {
    const telemetry = startTelemetry({ service: "auth", endpoint: otlp.endpoint });
    const reporter = await startErrorReporting({ service: "auth", dsn: ingest.dsn });
    const logger = createLogger({
      service: "auth",
      destination: silent,
      onError: (line) => reporter.report(line),
    });
    const requestId = "6f9c2d1e-4b7a-4c3e-9a8b-1d2e3f4a5b6c";
    const traceId = await trace.getTracer("test").startActiveSpan("handler", async (span) => {
      logger.child({ requestId }).error(
        {
          err: new Error("the handler broke"),
          body: { email: "a@example.com", password: "hunter2-secret" },
          headers: { authorization: "Bearer tok-secret" },
        },
        "handler threw an unexpected error",
      );
      // Refusals are not faults and are not sent.
      logger.warn({ requestId, code: "auth.invalid_credentials" }, "refused");
      span.end();
      return span.spanContext().traceId;
    });
    await reporter.close();
    await telemetry.shutdown();

    const events = await eventually(() => {
      const found = ingest.requests.flatMap((r) => envelopeItems(r.body)).filter((i) => i.type === "event");
      return found.length > 0 ? found : undefined;
    });
    expect(events).toHaveLength(1);
    const event = events[0]?.payload ?? {};
    expect(event.tags).toMatchObject({ service: "auth", requestId, traceId });
    expect(JSON.stringify(event)).toContain("the handler broke");
    expect(event.extra).toMatchObject({
      body: { email: "a@example.com", password: "[redacted]" },
      headers: { authorization: "[redacted]" },
    });
    const raw = ingest.requests.map((r) => r.body).join("\n");
    expect(raw).not.toContain("hunter2-secret");
    expect(raw).not.toContain("tok-secret");
    // Nothing but the DSN's envelope endpoint was called.
    expect(ingest.requests.map((r) => r.path.split("?")[0])).toEqual(
      ingest.requests.map(() => "/api/1/envelope/"),
    );
  });

  it.each([
    ["an uncaught exception", 'setTimeout(() => { throw new Error("nobody caught this"); }, 10);'],
    ["an unhandled rejection", 'setTimeout(() => { Promise.reject(new Error("nobody caught this")); }, 10);'],
  ])("sends %s, tagged with the service, and the process still exits 1", async (_what, failure) => {
    const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url));
    const before = ingest.requests.length;
    const script = `
      const { startErrorReporting } = await import(${JSON.stringify(entry)});
      await startErrorReporting({ service: "memory", dsn: ${JSON.stringify(ingest.dsn)} });
      ${failure}`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: "ignore" });
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    const event = await eventually(() =>
      ingest.requests
        .slice(before)
        .flatMap((r) => envelopeItems(r.body))
        .find((item) => item.type === "event" && JSON.stringify(item.payload).includes("nobody caught this")),
    );
    expect(event.payload.tags).toMatchObject({ service: "memory" });
  });
});
