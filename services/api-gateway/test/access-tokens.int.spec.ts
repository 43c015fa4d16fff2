import { randomUUID } from "node:crypto";
import { ProblemSchema, ProfileSchema } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./support/platform.ts";
import { gatewayRoutes } from "./support/test-routes.ts";
import {
  createSigningKey,
  hmacForgedToken,
  nowSeconds,
  type SigningKey,
  signAccessToken,
  tamperedToken,
  unsignedToken,
} from "./support/tokens.ts";

let harness: Harness;
let key: SigningKey;
let otherKey: SigningKey;

beforeAll(async () => {
  harness = await startHarness(testNamespace("gwauth"), gatewayRoutes);
  key = await createSigningKey();
  otherKey = await createSigningKey();
});

afterAll(async () => {
  await harness?.close();
});

async function getProfile(authorization?: string) {
  return harness.app.inject({
    url: "/v1/users/me",
    headers: authorization === undefined ? {} : { authorization },
  });
}

async function expectInvalidToken(authorization?: string): Promise<void> {
  const reachedServices = harness.received.length;
  const response = await getProfile(authorization);
  expect(response.statusCode).toBe(401);
  expect(response.headers["www-authenticate"]).toMatch(/^Bearer realm="tessera"/);
  expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
  expect(ProblemSchema.parse(response.json())).toMatchObject({ code: "auth.invalid_token", status: 401 });
  expect(harness.received).toHaveLength(reachedServices);
}

describe("access tokens", () => {
  it("refuses every bearer call while auth has published no keys", async () => {
    await expectInvalidToken(`Bearer ${await signAccessToken(key)}`);
    const jwks = await harness.app.inject({ url: "/.well-known/jwks.json" });
    expect(jwks.json()).toEqual({ keys: [] });
    expect(jwks.headers["cache-control"]).toBe("no-store");
  });

  it("accepts a valid token once the keys are published", async () => {
    await harness.publishKeys([key]);
    const userId = randomUUID();
    const token = await signAccessToken(key, { userId, claims: { roles: ["admin"] } });
    const response = await getProfile(`Bearer ${token}`);
    expect(response.statusCode).toBe(200);
    expect(ProfileSchema.parse(response.json()).id).toBe(userId);
    expect(harness.received.at(-1)).toMatchObject({ actor: userId, roles: ["admin"] });
  });

  it.each<[string, () => Promise<string | undefined>]>([
    ["no Authorization header", async () => undefined],
    ["another scheme", async () => `Basic ${Buffer.from("ada:secret").toString("base64")}`],
    ["an empty bearer", async () => "Bearer "],
    ["garbage", async () => "Bearer not.a.jwt"],
    ["a tampered payload", async () => `Bearer ${tamperedToken(await signAccessToken(key), randomUUID())}`],
    ["alg none", async () => `Bearer ${unsignedToken(key.kid)}`],
    ["HS256 signed with the public key", async () => `Bearer ${await hmacForgedToken(key)}`],
    ["a key auth never published", async () => `Bearer ${await signAccessToken(otherKey)}`],
    [
      "an expired token",
      async () =>
        `Bearer ${await signAccessToken(key, { issuedAt: nowSeconds() - 7_200, expiresAt: nowSeconds() - 3_600 })}`,
    ],
    [
      "a token not valid yet",
      async () => `Bearer ${await signAccessToken(key, { claims: { nbf: nowSeconds() + 3_600 } })}`,
    ],
    ["the wrong audience", async () => `Bearer ${await signAccessToken(key, { audience: "someone-else" })}`],
    ["the wrong issuer", async () => `Bearer ${await signAccessToken(key, { issuer: "evil" })}`],
    ["typ refresh", async () => `Bearer ${await signAccessToken(key, { claims: { typ: "refresh" } })}`],
    [
      "a subject that is not a user id",
      async () => `Bearer ${await signAccessToken(key, { userId: "system:auth" })}`,
    ],
  ])("refuses %s with 401 auth.invalid_token", async (_label, authorization) => {
    await harness.publishKeys([key]);
    await expectInvalidToken(await authorization());
  });

  it("follows a key rotation at once", async () => {
    const rotated = await createSigningKey();
    const before = await signAccessToken(key);
    await harness.publishKeys([rotated]);
    await expectInvalidToken(`Bearer ${before}`);
    const after = await getProfile(`Bearer ${await signAccessToken(rotated)}`);
    expect(after.statusCode).toBe(200);
  });

  it("stops accepting a token it has verified before once its key leaves the JWKS", async () => {
    const withdrawn = await createSigningKey();
    await harness.publishKeys([withdrawn, key]);
    const token = `Bearer ${await signAccessToken(withdrawn)}`;
    expect((await getProfile(token)).statusCode).toBe(200);
    expect((await getProfile(token)).statusCode).toBe(200);
    await harness.publishKeys([key]);
    await expectInvalidToken(token);
  });

  it("stops accepting a token it has verified before once the token expires", async () => {
    await harness.publishKeys([key]);
    // Expired 4 s ago: still inside the 5 s clock tolerance, so accepted (and remembered) once.
    const token = `Bearer ${await signAccessToken(key, { issuedAt: nowSeconds() - 60, expiresAt: nowSeconds() - 4 })}`;
    expect((await getProfile(token)).statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await expectInvalidToken(token);
  });

  it("never writes a token to the logs", async () => {
    const token = await signAccessToken(key);
    await getProfile(`Bearer ${token}`);
    const signature = token.split(".")[2] ?? "";
    expect(signature.length).toBeGreaterThan(20);
    expect(harness.logs.join("\n")).not.toContain(signature);
  });
});
