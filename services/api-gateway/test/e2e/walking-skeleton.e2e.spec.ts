import { randomUUID } from "node:crypto";
import { ProblemSchema, ProfileSchema, TokenPairSchema } from "@tessera/contracts";
import { TEST_PASSWORD as password, stackClient, uniqueEmail } from "@tessera/testing";
import { describe, expect, it } from "vitest";
import { useStack } from "../support/stack.ts";

// SIGTERM drains every service cleanly (checked when the file ends).
const stack = useStack();

const { call, post, eventually } = stackClient(() => stack.gatewayUrl);
const getMe = (token?: string) => call("GET", "/v1/users/me", token);

describe("walking skeleton through the gateway", () => {
  it("registers, logs in and reads the profile built from the registration event", async () => {
    const email = uniqueEmail("ada");
    const registered = await post("/v1/auth/register", { email, password });
    expect(registered.status).toBe(201);
    expect(registered.headers.get("x-request-id")).toBeTruthy();
    const pair = TokenPairSchema.parse(await registered.json());
    expect(pair.user.email).toBe(email);

    const loggedIn = await post("/v1/auth/login", { email: email.toUpperCase(), password });
    expect(loggedIn.status).toBe(200);
    const loginPair = TokenPairSchema.parse(await loggedIn.json());
    expect(loginPair.user.id).toBe(pair.user.id);
    expect(loginPair.refreshToken).not.toBe(pair.refreshToken);

    // The profile is built from `evt.auth.account.registered` asynchronously; give it a moment.
    const me = await eventually(
      () => getMe(loginPair.accessToken),
      (status) => status === 404,
    );
    expect(me.status).toBe(200);
    const profile = ProfileSchema.parse(await me.json());
    expect(profile).toMatchObject({ id: pair.user.id, email, displayName: null, roles: [], preferences: {} });
  });

  it("refuses a second account for the same email in any case with 409", async () => {
    const email = uniqueEmail("ada");
    expect((await post("/v1/auth/register", { email, password })).status).toBe(201);
    const again = await post("/v1/auth/register", { email: email.toUpperCase(), password });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toContain("application/problem+json");
    expect(ProblemSchema.parse(await again.json()).code).toBe("auth.email_taken");
  });

  it("answers a wrong password and an unknown email with the same 401 problem", async () => {
    const email = uniqueEmail("ada");
    await post("/v1/auth/register", { email, password });
    const wrongPassword = await post("/v1/auth/login", { email, password: "not the password" });
    const unknownEmail = await post("/v1/auth/login", { email: uniqueEmail("ada"), password });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    const strip = ({ requestId: _r, ...rest }: Record<string, unknown>) => rest;
    const first = ProblemSchema.parse(await wrongPassword.json());
    const second = ProblemSchema.parse(await unknownEmail.json());
    expect(first.code).toBe("auth.invalid_credentials");
    expect(strip(first)).toEqual(strip(second));
  });

  it("rejects missing, garbage, tampered and alg:none tokens with 401", async () => {
    const registered = TokenPairSchema.parse(
      await (await post("/v1/auth/register", { email: uniqueEmail("ada"), password })).json(),
    );
    const [header, payload, signature] = registered.accessToken.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString("base64url");
    const noneHeader = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
    const candidates = [
      undefined,
      "garbage",
      `${header}.${forgedPayload}.${signature}`,
      `${noneHeader}.${payload}.`,
      registered.refreshToken,
    ];
    for (const token of candidates) {
      const response = await getMe(token);
      expect(response.status, `token ${String(token).slice(0, 20)}`).toBe(401);
      expect(ProblemSchema.parse(await response.json()).status).toBe(401);
    }
  });

  it("answers /health and /ready", async () => {
    expect((await fetch(`${stack.gatewayUrl}/health`)).status).toBe(200);
    expect((await fetch(`${stack.gatewayUrl}/ready`)).status).toBe(200);
  });
});
