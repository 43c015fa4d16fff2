import { randomUUID } from "node:crypto";
import { ProblemSchema, TokenPairSchema } from "@tessera/contracts";
import { type Stack, startStack } from "@tessera/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  const codes = await stack?.stop();
  expect(Object.values(codes ?? {}).every((code) => code === 0)).toBe(true);
});

const password = "correct horse battery staple";

function call(method: string, path: string, token: string, body?: unknown) {
  return fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function register() {
  const response = await fetch(`${stack.gatewayUrl}/v1/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: `guard.${randomUUID().slice(0, 8)}@example.com`, password }),
  });
  expect(response.status).toBe(201);
  const pair = TokenPairSchema.parse(await response.json());
  // The profile follows the registration event asynchronously (docs/decisions/0009); a member can
  // only be added by id once the user service knows the account.
  const profile = await eventually(
    () => call("GET", "/v1/users/me", pair.accessToken),
    (status) => status === 404,
  );
  expect(profile.status).toBe(200);
  return pair;
}

/** Retries while `pending(status)`: profiles and memberships reach their projections asynchronously. */
async function eventually(request: () => Promise<Response>, pending: (status: number) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await request();
    if (!pending(response.status) || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("route guards with the real user service", () => {
  it("hides a project from non-members, admits a member at once, and enforces the route's roles", async () => {
    const owner = await register();
    const guest = await register();
    const created = await eventually(
      () => call("POST", "/v1/projects", owner.accessToken, { name: "Guarded" }),
      (status) => status === 404,
    );
    expect(created.status).toBe(201);
    const { id: projectId } = z.object({ id: z.uuid() }).parse(await created.json());
    const collections = `/v1/projects/${projectId}/collections`;

    const asOwner = await eventually(
      () => call("GET", collections, owner.accessToken),
      (s) => s === 404,
    );
    expect(asOwner.status).toBe(200);
    const hidden = await call("GET", collections, guest.accessToken);
    expect(hidden.status).toBe(404);
    expect(ProblemSchema.parse(await hidden.json()).code).toBe("project.not_found");

    const added = await call("POST", `/v1/projects/${projectId}/members`, owner.accessToken, {
      userId: guest.user.id,
      role: "viewer",
    });
    expect(added.status).toBe(201);
    // The guest's cached "not a member" is dropped by the membership event, well before its TTL.
    const admitted = await eventually(
      () => call("GET", collections, guest.accessToken),
      (s) => s === 404,
    );
    expect(admitted.status).toBe(200);

    const write = await call("POST", collections, guest.accessToken, { name: "Not for viewers" });
    expect(write.status).toBe(403);
    expect(ProblemSchema.parse(await write.json()).code).toBe("auth.forbidden");
  });

  it("keeps platform-admin routes from ordinary users", async () => {
    const user = await register();
    const response = await eventually(
      () => call("GET", "/v1/admin/schedules", user.accessToken),
      (s) => s === 404,
    );
    expect(response.status).toBe(403);
    expect(ProblemSchema.parse(await response.json()).code).toBe("auth.forbidden");
  });

  it("refuses the access token of a session ended by logout within seconds", async () => {
    const pair = await register();
    const me = () => call("GET", "/v1/users/me", pair.accessToken);
    expect((await eventually(me, (s) => s === 404)).status).toBe(200);
    const logout = await call("POST", "/v1/auth/logout", pair.accessToken, {
      refreshToken: pair.refreshToken,
    });
    expect(logout.status).toBe(204);
    const refused = await eventually(me, (s) => s === 200);
    expect(refused.status).toBe(401);
    expect(ProblemSchema.parse(await refused.json()).code).toBe("auth.session_revoked");
  });
});
