import { randomBytes, randomUUID } from "node:crypto";
import { busNames, PAYLOAD_BUCKET } from "@tessera/bus";
import { type RawBody, RawBodySchema } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Harness, startHarness } from "./support/platform.ts";
import { expectProblem, fromInject } from "./support/raw-http.ts";
import { gatewayRoutes, RAW_ECHO_BODY_LIMIT } from "./support/test-routes.ts";

let harness: Harness;
const namespace = testNamespace("gwraw");

beforeAll(async () => {
  // Room for bodies that go through the object store on a slow machine.
  harness = await startHarness(namespace, gatewayRoutes, { UPSTREAM_TIMEOUT_MS: "30000" });
});

afterAll(async () => {
  if (harness === undefined) return;
  // The bucket the large bodies went through, which the harness knows nothing of (JetStream's API).
  const stream = `OBJ_${busNames(namespace).objectBucket(PAYLOAD_BUCKET)}`;
  const deleted = await harness.nc.request(`$JS.API.STREAM.DELETE.${stream}`, "", { timeout: 5_000 });
  expect(deleted.json()).toMatchObject({ success: true });
  await harness.close();
});

const EchoSchema = z.object({ itemId: z.uuid(), raw: RawBodySchema });
const EitherSchema = z.object({ raw: RawBodySchema.nullable(), name: z.string().nullable() });
const MiB = 1024 * 1024;

function echo(body: Buffer | undefined, headers: Record<string, string>, itemId = randomUUID()) {
  const request: InjectOptions = { method: "POST", url: `/v1/test/raw/${itemId}`, headers };
  return harness.app.inject(body === undefined ? request : { ...request, payload: body });
}

const bytesOf = (raw: RawBody | null | undefined) => Buffer.from(raw?.base64 ?? "", "base64");

describe("a raw-body route", () => {
  it("hands the operation the exact bytes received, neither parsed nor re-serialised", async () => {
    // Spacing, key order, an escape and a trailing newline that JSON.parse + stringify would all change.
    const json = Buffer.from('{"b" : 2,  "a":1, "name": "Ren\\u00e9", "é": "\u00e9"}\n', "utf8");
    const response = await echo(json, { "content-type": "application/json; charset=utf-8" });
    expect(response.statusCode, response.body).toBe(200);
    const { raw } = EchoSchema.parse(response.json());
    expect(bytesOf(raw).equals(json)).toBe(true);
    expect(raw).toMatchObject({ contentType: "application/json; charset=utf-8", bytes: json.length });

    // Bytes that are not UTF-8 at all come through as they are too.
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]);
    const plain = EchoSchema.parse((await echo(binary, { "content-type": "text/plain" })).json());
    expect(bytesOf(plain.raw).equals(binary)).toBe(true);
  });

  it("hands over the listed headers that were sent, under lower-case names, and no others", async () => {
    const sent = {
      "content-type": "text/plain",
      "Webhook-Id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v2,other",
      "webhook-timestamp": "1614265330",
      "x-other": "not listed",
    };
    const all = EchoSchema.parse((await echo(Buffer.from("hi"), sent)).json());
    expect(all.raw.headers).toEqual({
      "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
      "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= v2,other",
    });
    const { "Webhook-Id": _absent, ...withoutId } = sent;
    const some = EchoSchema.parse((await echo(Buffer.from("hi"), withoutId)).json());
    expect(Object.keys(some.raw.headers)).toEqual(["webhook-signature"]);
  });

  it("refuses a listed header longer than it hands on with 431, before the service sees it", async () => {
    const reached = harness.received.length;
    const response = await echo(Buffer.from("hi"), {
      "content-type": "text/plain",
      "webhook-signature": "v".repeat(5_000),
    });
    expectProblem(fromInject(response), 431, "request.headers_too_large");
    expect(harness.received).toHaveLength(reached);
  });

  it("refuses a media type it does not take with 415, naming those it does", async () => {
    const reached = harness.received.length;
    const refused: Record<string, string>[] = [
      { "content-type": "application/xml" },
      {},
      { "content-type": "not a type" },
    ];
    for (const headers of refused) {
      const response = await echo(Buffer.from("<a/>"), headers);
      const problem = expectProblem(fromInject(response), 415, "request.unsupported_media_type");
      expect(problem.detail).toContain("application/json, text/plain");
    }
    expect(harness.received).toHaveLength(reached);
    // The routes without a raw body still take JSON only.
    const json = await harness.app.inject({
      method: "POST",
      url: "/v1/test/things",
      headers: { "content-type": "text/plain" },
      payload: "name=thing",
    });
    expectProblem(fromInject(json), 415, "request.unsupported_media_type");
  });

  it("takes any media type, and a body without one, when it accepts any", async () => {
    const none = await harness.app.inject({ method: "POST", url: "/v1/test/raw-any" });
    expect(EitherSchema.parse(none.json()).raw).toEqual({
      contentType: "application/octet-stream",
      base64: "",
      bytes: 0,
      headers: {},
    });
    const weird = await harness.app.inject({
      method: "POST",
      url: "/v1/test/raw-any",
      headers: { "content-type": "application/x-anything" },
      payload: "abc",
    });
    expect(bytesOf(EitherSchema.parse(weird.json()).raw).toString()).toBe("abc");
    const untyped = await harness.app.inject({
      method: "POST",
      url: "/v1/test/raw-any",
      headers: { "content-length": "3" },
      payload: "xyz",
    });
    expect(EitherSchema.parse(untyped.json()).raw).toMatchObject({ contentType: "application/octet-stream" });
  });

  it("refuses a body over the route's limit with 413", async () => {
    const response = await echo(Buffer.alloc(RAW_ECHO_BODY_LIMIT + 1, 0x61), {
      "content-type": "text/plain",
    });
    expectProblem(fromInject(response), 413, "request.too_large");
  });

  it("carries a body and a reply too large for one NATS message through the bus, byte for byte", async () => {
    const body = randomBytes(3 * MiB);
    const itemId = randomUUID();
    const response = await echo(body, { "content-type": "text/plain" }, itemId);
    expect(response.statusCode, response.body.slice(0, 500)).toBe(200);
    const echoed = EchoSchema.parse(response.json());
    expect(echoed.itemId).toBe(itemId);
    expect(echoed.raw.bytes).toBe(body.length);
    expect(bytesOf(echoed.raw).equals(body)).toBe(true);
  });

  it("counts the raw body in the Idempotency-Key fingerprint: the same key with other bytes is 422", async () => {
    const itemId = randomUUID();
    const headers = { "content-type": "text/plain", "idempotency-key": `raw-${randomUUID()}` };
    const first = await echo(Buffer.from("first body"), headers, itemId);
    expect(first.statusCode).toBe(200);
    const again = await echo(Buffer.from("first body"), headers, itemId);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.body).toBe(first.body);
    const other = await echo(Buffer.from("other body"), headers, itemId);
    expectProblem(fromInject(other), 422, "idempotency.key_reused");
  });
});

describe("a raw-body route that takes JSON too", () => {
  const send = (contentType: string, payload: string) =>
    harness.app.inject({
      method: "POST",
      url: "/v1/test/raw-or-json",
      headers: { "content-type": contentType },
      payload,
    });

  it("parses and validates a JSON body as the route's, and hands over no raw body", async () => {
    const response = await send("application/json", '{ "name" : "Ada" }');
    expect(EitherSchema.parse(response.json())).toEqual({ raw: null, name: "Ada" });
    const invalid = expectProblem(
      fromInject(await send("application/json", '{"name": ""}')),
      400,
      "validation.failed",
    );
    expect(invalid.errors?.map((error) => error.field)).toEqual(["name"]);
    expectProblem(
      fromInject(await send("application/json", '{"name": "a", "raw": 1}')),
      400,
      "validation.failed",
    );
    expectProblem(
      fromInject(await send("application/json", '{"__proto__": {"x": 1}, "name": "a"}')),
      400,
      "request.malformed_json",
    );
  });

  it("hands over its other media types as bytes and refuses the rest", async () => {
    const markdown = EitherSchema.parse((await send("text/markdown", "# Title\n\n{not json}")).json());
    expect(markdown.name).toBeNull();
    expect(bytesOf(markdown.raw).toString()).toBe("# Title\n\n{not json}");
    const problem = expectProblem(
      fromInject(await send("text/plain", "x")),
      415,
      "request.unsupported_media_type",
    );
    expect(problem.detail).toContain("text/markdown, application/json");
  });
});
