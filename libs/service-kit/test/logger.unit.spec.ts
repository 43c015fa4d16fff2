import { describe, expect, it } from "vitest";
import { createLogger, REDACTED_KEYS } from "../src/index.ts";

function capture() {
  const lines: string[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(line) } };
}

describe("createLogger", () => {
  it("writes JSON lines with the service and level", () => {
    const out = capture();
    createLogger({ service: "auth", destination: out.destination }).info({ accountId: "a-1" }, "registered");
    const line = JSON.parse(out.lines[0]!);
    expect(line).toMatchObject({ service: "auth", level: "info", accountId: "a-1", msg: "registered" });
    expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it("redacts every secret key at the top level, nested objects and request headers", () => {
    const out = capture();
    const logger = createLogger({ service: "auth", level: "debug", destination: out.destination });
    const secrets = REDACTED_KEYS.map((key, i) => `SECRET${i}-${key}`);
    const bag = Object.fromEntries(REDACTED_KEYS.map((key, i) => [key, secrets[i]]));
    logger.info({ ...bag, email: "a@example.com" }, "top level");
    logger.info({ body: { ...bag } }, "one level");
    logger.warn({ call: { input: { ...bag } } }, "two levels");
    logger.error(
      {
        req: { method: "POST", url: "/v1/auth/login", headers: { ...bag, "user-agent": "curl" } },
        res: { statusCode: 200, headers: { "set-cookie": secrets[11] } },
      },
      "request",
    );
    const output = out.lines.join("");
    for (const secret of secrets) expect(output).not.toContain(secret);
    const [top, one, two, request] = out.lines.map((line) => JSON.parse(line));
    expect(top.password).toBe("[redacted]");
    expect(top.email).toBe("a@example.com");
    expect(one.body.refreshToken).toBe("[redacted]");
    expect(two.call.input.clientSecret).toBe("[redacted]");
    expect(request.req.headers.authorization).toBe("[redacted]");
    expect(request.req.headers["set-cookie"]).toBe("[redacted]");
    expect(request.req.headers["user-agent"]).toBe("curl");
    expect(request.res.headers["set-cookie"]).toBe("[redacted]");
  });

  it("serialises errors with their type, message, stack and cause", () => {
    const out = capture();
    const logger = createLogger({ service: "auth", destination: out.destination });
    logger.error({ err: new Error("query failed", { cause: new Error("connection reset") }) }, "boom");
    const { err } = JSON.parse(out.lines[0]!);
    expect(err.type).toBe("Error");
    expect(err.message).toContain("query failed");
    expect(err.stack).toContain("caused by: Error: connection reset");
  });

  it("drops lines below the level", () => {
    const out = capture();
    createLogger({ service: "auth", level: "warn", destination: out.destination }).info({}, "quiet");
    expect(out.lines).toEqual([]);
  });
});
