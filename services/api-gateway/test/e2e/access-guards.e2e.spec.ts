import { ProblemSchema } from "@tessera/contracts";
import { stackClient } from "@tessera/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useStack } from "../support/stack.ts";
import { LINK_TOKEN_ENV, verifyEmail } from "../support/verified-email.ts";

const stack = useStack({ env: LINK_TOKEN_ENV });
const client = stackClient(() => stack.gatewayUrl);
const { call, signUp, eventually } = client;

describe("route guards with the real user service", () => {
  it("hides a project from non-members, admits a member at once, and enforces the route's roles", async () => {
    const owner = await signUp();
    const guest = await signUp();
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

    const invited = await call("POST", `/v1/projects/${projectId}/invitations`, owner.accessToken, {
      email: guest.user.email,
      role: "viewer",
    });
    expect(invited.status).toBe(201);
    const { id: invitationId } = z.object({ id: z.uuid() }).parse(await invited.json());
    await verifyEmail(stack, client, guest.user.id);
    const accepted = await call("POST", `/v1/invitations/${invitationId}/accept`, guest.accessToken);
    expect(accepted.status).toBe(200);
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
    const user = await signUp();
    const response = await eventually(
      () => call("GET", "/v1/admin/schedules", user.accessToken),
      (s) => s === 404,
    );
    expect(response.status).toBe(403);
    expect(ProblemSchema.parse(await response.json()).code).toBe("auth.forbidden");
  });

  it("refuses the access token of a session ended by logout within seconds", async () => {
    const pair = await signUp();
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
