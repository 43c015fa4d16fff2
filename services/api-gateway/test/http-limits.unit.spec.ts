import { ProblemSchema, RequestTimeoutError } from "@tessera/contracts";
import { describe, expect, it } from "vitest";
import { declaresOtherCharset } from "../src/app/json-body.ts";
import { createMethodIndex } from "../src/app/route-matcher.ts";
import { rawProblemResponse } from "../src/app/socket-problems.ts";
import { gatewayConfigSchema } from "../src/config.ts";
import { parseResponses } from "./support/raw-http.ts";

describe("the gateway's HTTP time-outs and connection cap", () => {
  it("defaults every slow-client time-out to at most nginx's 60 s and caps connections per address", () => {
    const config = gatewayConfigSchema.parse({});
    expect(config.HTTP_HEADERS_TIMEOUT_MS).toBeLessThanOrEqual(60_000);
    expect(config.HTTP_REQUEST_TIMEOUT_MS).toBeLessThanOrEqual(60_000);
    expect(config.HTTP_KEEP_ALIVE_TIMEOUT_MS).toBeLessThanOrEqual(60_000);
    expect(config.HTTP_MAX_CONNECTIONS_PER_ADDRESS).toBeGreaterThan(0);
  });

  it("refuses a request time-out shorter than the headers time-out, naming the variable", () => {
    const parsed = gatewayConfigSchema.safeParse({
      HTTP_HEADERS_TIMEOUT_MS: "20000",
      HTTP_REQUEST_TIMEOUT_MS: "5000",
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["HTTP_REQUEST_TIMEOUT_MS"]);
  });

  it("refuses a zero time-out and accepts 0 as no connection cap", () => {
    expect(gatewayConfigSchema.safeParse({ HTTP_HEADERS_TIMEOUT_MS: "0" }).success).toBe(false);
    expect(
      gatewayConfigSchema.parse({ HTTP_MAX_CONNECTIONS_PER_ADDRESS: "0" }).HTTP_MAX_CONNECTIONS_PER_ADDRESS,
    ).toBe(0);
  });
});

describe("JSON charsets", () => {
  it.each([
    ["application/json", false],
    ["application/json; charset=utf-8", false],
    ["application/json;CHARSET=UTF8", false],
    ['application/json; charset="UTF-8"', false],
    ["application/json; foo=bar", false],
    ["application/json; charset=latin1", true],
    ["application/json; charset=utf-8; charset=utf-16", true],
    ["application/json; charset=", true],
  ])("treats %s as another charset: %s", (contentType, other) => {
    expect(declaresOtherCharset(contentType)).toBe(other);
  });
});

describe("a problem written straight to a socket", () => {
  it("is one well-framed HTTP/1.1 response that closes the connection and names only the request id", () => {
    const bytes = rawProblemResponse(new RequestTimeoutError(), "req-1");
    const [response, ...rest] = parseResponses(bytes.toString("latin1"));
    expect(rest).toEqual([]);
    expect(bytes.toString("latin1")).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(response?.headers).toMatchObject({
      "content-type": "application/problem+json",
      connection: "close",
      "x-request-id": "req-1",
      "x-content-type-options": "nosniff",
    });
    expect(ProblemSchema.parse(JSON.parse(response?.body ?? ""))).toMatchObject({
      status: 408,
      code: "request.timeout",
      instance: "urn:tessera:request:req-1",
      requestId: "req-1",
    });
  });
});

describe("the method index", () => {
  it("names the most literal matching template and every method of the templates that match", () => {
    const index = createMethodIndex();
    index.add("GET", "/v1/sessions/:sessionId");
    index.add("DELETE", "/v1/sessions/:sessionId");
    index.add("POST", "/v1/sessions/current");
    expect(index.match("/v1/sessions/current")).toEqual({
      template: "/v1/sessions/current",
      allow: ["DELETE", "GET", "HEAD", "POST"],
    });
    expect(index.match("/v1/sessions/abc")?.template).toBe("/v1/sessions/:sessionId");
    expect(index.match("/v1/other")).toBeUndefined();
  });
});
