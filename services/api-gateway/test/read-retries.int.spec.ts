import { ConflictError, defineOperation, defineRoute, ProblemSchema } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Harness, startHarness } from "./support/platform.ts";
import { gatewayRoutes, neverAnswers, projectEcho } from "./support/test-routes.ts";
import { createSigningKey, type SigningKey, signAccessToken } from "./support/tokens.ts";

/** Served by a stand-in that takes the first request for an item and never answers it, like a replica killed holding it. */
const lostOnce = defineOperation({
  service: "memory",
  name: "test.lost-once",
  request: z.strictObject({ itemId: z.uuid() }),
  response: z.object({ itemId: z.uuid(), attempt: z.number().int() }),
});

/** Nobody subscribes to it. */
const unserved = defineOperation({
  service: "memory",
  name: "test.unserved",
  request: z.strictObject({}),
  response: z.object({}),
});

const routes = [
  ...gatewayRoutes,
  defineRoute({
    method: "GET",
    path: "/v1/test/lost-once/{itemId}",
    summary: "An item whose first request is lost",
    operation: lostOnce,
    auth: "public",
    rateClass: "read",
    successStatus: 200,
    request: { params: z.object({ itemId: z.uuid() }) },
    response: lostOnce.response,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/test/unserved",
    summary: "A read nobody serves",
    operation: unserved,
    auth: "public",
    rateClass: "read",
    successStatus: 200,
    response: unserved.response,
  }),
];

let harness: Harness;
let key: SigningKey;
const namespace = testNamespace("gwretry");
/** Requests for each item the stand-in received. */
const attempts = new Map<string, number>();
/** The requests the stand-in holds without answering, ended (refused) after the tests. */
const held: (() => void)[] = [];

beforeAll(async () => {
  harness = await startHarness(namespace, routes);
  key = await createSigningKey();
  await harness.publishKeys([key]);
  harness.services.memory.serve(lostOnce, async ({ itemId }) => {
    const attempt = (attempts.get(itemId) ?? 0) + 1;
    attempts.set(itemId, attempt);
    if (attempt === 1) {
      await new Promise<void>((resolve) => held.push(resolve));
      throw new ConflictError("test.too_late", "Answered after the test.");
    }
    return { itemId, attempt };
  });
});

afterAll(async () => {
  for (const release of held.splice(0)) release();
  await harness?.close();
});

/** The gateway's `gateway_upstream_retries_total` for one operation and reason. */
async function retriesOf(subject: string, reason: string): Promise<number> {
  const text = (await harness.app.inject({ url: "/metrics" })).body;
  const line = text
    .split("\n")
    .find(
      (candidate) =>
        candidate.startsWith("gateway_upstream_retries_total{") &&
        candidate.includes(`operation="${subject}"`) &&
        candidate.includes(`reason="${reason}"`),
    );
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

const codeOf = (response: LightMyRequestResponse) => ProblemSchema.parse(response.json()).code;

describe("a read that got no reply", () => {
  it("is sent once more, so a GET whose first request died with its replica is still answered", async () => {
    const itemId = crypto.randomUUID();
    const response = await harness.app.inject({ url: `/v1/test/lost-once/${itemId}` });
    expect(response.statusCode).toBe(200);
    expect(lostOnce.response.parse(response.json())).toEqual({ itemId, attempt: 2 });
    expect(attempts.get(itemId)).toBe(2);
    expect(await retriesOf(lostOnce.subject, "timeout")).toBe(1);
  });

  it("is answered 504 when the repeat gets no reply either, after exactly two sends", async () => {
    const sent = harness.nc.subscribe(`${namespace}.${neverAnswers.subject}`);
    const before = await retriesOf(neverAnswers.subject, "timeout");
    const response = await harness.app.inject({ url: "/v1/test/never" });
    expect(response.statusCode).toBe(504);
    expect(codeOf(response)).toBe("upstream.timeout");
    expect(sent.getReceived()).toBe(2);
    expect(await retriesOf(neverAnswers.subject, "timeout")).toBe(before + 1);
    sent.unsubscribe();
  });

  it("is repeated once when nobody serves it, then answered 503", async () => {
    const response = await harness.app.inject({ url: "/v1/test/unserved" });
    expect(response.statusCode).toBe(503);
    expect(codeOf(response)).toBe("upstream.unavailable");
    expect(await retriesOf(unserved.subject, "no_responders")).toBe(1);
  });
});

describe("an access look-up that got no reply", () => {
  it("is sent once more, so the project route behind it is still answered", async () => {
    const userId = crypto.randomUUID();
    const projectId = crypto.randomUUID();
    harness.access.memberships.set(`${userId}/${projectId}`, "viewer");
    const lookups = harness.access.lookups;
    harness.access.unanswered = 1;
    const response = await harness.app.inject({
      url: `/v1/test/projects/${projectId}/echo`,
      headers: { authorization: `Bearer ${await signAccessToken(key, { userId })}` },
    });
    expect(response.statusCode).toBe(200);
    expect(projectEcho.response.parse(response.json())).toEqual({ projectId, projectRole: "viewer" });
    expect(harness.access.lookups - lookups).toBe(2);
    expect(await retriesOf("svc.user.access.get", "timeout")).toBe(1);
  });
});

describe("a write that got no reply", () => {
  it("is never sent again: the caller gets 504 and the request went out once", async () => {
    const sent = harness.nc.subscribe(`${namespace}.${neverAnswers.subject}`);
    const response = await harness.app.inject({ method: "POST", url: "/v1/test/never" });
    expect(response.statusCode).toBe(504);
    expect(sent.getReceived()).toBe(1);
    sent.unsubscribe();
  });
});
