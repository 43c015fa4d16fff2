import { randomUUID } from "node:crypto";
import { ProblemSchema } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/platform.ts";
import { createThing, gatewayRoutes } from "./support/test-routes.ts";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness(testNamespace("gwidem"), gatewayRoutes);
});

afterAll(async () => {
  await harness?.close();
});

function create(body: unknown, key: string | undefined, remoteAddress = "198.51.100.5") {
  return harness.app.inject({
    method: "POST",
    url: "/v1/test/things",
    remoteAddress,
    headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
    payload: JSON.stringify(body),
  });
}

describe("idempotency keys", () => {
  it("creates one resource from parallel duplicates, which wait for the first and replay its response", async () => {
    const key = randomUUID();
    const before = harness.createdThings.length;
    const responses = await Promise.all(Array.from({ length: 8 }, () => create({ name: "one" }, key)));
    expect(harness.createdThings.length - before).toBe(1);

    const fresh = responses.filter(
      (r) => r.statusCode === 201 && r.headers["idempotent-replayed"] === undefined,
    );
    expect(fresh).toHaveLength(1);
    const created = createThing.response.parse(fresh[0]?.json());
    for (const other of responses.filter((r) => r !== fresh[0])) {
      expect(other.statusCode).toBe(201);
      expect(other.headers["idempotent-replayed"]).toBe("true");
      expect(createThing.response.parse(other.json())).toEqual(created);
    }

    const replay = await create({ name: "one" }, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers["idempotent-replayed"]).toBe("true");
    expect(replay.json()).toEqual(created);
    expect(harness.createdThings.length - before).toBe(1);
  });

  it("refuses the same key with another body with 422", async () => {
    const key = randomUUID();
    expect((await create({ name: "first" }, key)).statusCode).toBe(201);
    const reused = await create({ name: "second" }, key);
    expect(reused.statusCode).toBe(422);
    expect(ProblemSchema.parse(reused.json()).code).toBe("idempotency.key_reused");
  });

  it("refuses the same key on another path with 422, and replays it on the same one", async () => {
    const key = randomUUID();
    const remove = (itemId: string) =>
      harness.app.inject({
        method: "DELETE",
        url: `/v1/test/items/${itemId}`,
        headers: { "idempotency-key": key },
      });
    const itemId = randomUUID();
    expect((await remove(itemId)).statusCode).toBe(204);
    const again = await remove(itemId);
    expect(again.statusCode).toBe(204);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    const other = await remove(randomUUID());
    expect(other.statusCode).toBe(422);
    expect(ProblemSchema.parse(other.json()).code).toBe("idempotency.key_reused");
  });

  it("keeps keys apart per caller", async () => {
    const key = randomUUID();
    const before = harness.createdThings.length;
    const mine = await create({ name: "shared key" }, key, "198.51.100.6");
    const theirs = await create({ name: "shared key" }, key, "198.51.100.7");
    expect(theirs.headers["idempotent-replayed"]).toBeUndefined();
    expect(theirs.json().id).not.toBe(mine.json().id);
    expect(harness.createdThings.length - before).toBe(2);
  });

  it("releases the key when the request fails, so a corrected retry goes through", async () => {
    const key = randomUUID();
    const invalid = await create({ name: 42 }, key);
    expect(invalid.statusCode).toBe(400);
    const corrected = await create({ name: "fixed" }, key);
    expect(corrected.statusCode).toBe(201);
    expect(corrected.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("runs every request without a key", async () => {
    const before = harness.createdThings.length;
    await create({ name: "no key" }, undefined);
    await create({ name: "no key" }, undefined);
    expect(harness.createdThings.length - before).toBe(2);
  });

  it("refuses a malformed key with 400", async () => {
    const response = await create({ name: "x" }, "x".repeat(300));
    expect(response.statusCode).toBe(400);
    expect(ProblemSchema.parse(response.json()).code).toBe("idempotency.invalid_key");
  });

  it("counts replays and conflicts on /metrics", async () => {
    const metrics = (await harness.app.inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(/gateway_idempotency_requests_total\{[^}]*outcome="replayed"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/gateway_idempotency_requests_total\{[^}]*outcome="body_mismatch"[^}]*\} [1-9]/);
    // Only the /metrics request itself is in flight while it renders.
    expect(metrics).toMatch(/gateway_http_requests_in_flight\{[^}]*\} 1\n/);
  });
});
