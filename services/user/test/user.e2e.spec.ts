import {
  CreatedProjectSchema,
  HistoryPageSchema,
  MembershipSchema,
  ProblemSchema,
  ProfileSchema,
  ProjectPageSchema,
} from "@tessera/contracts";
import { stackClient } from "@tessera/testing";
import { describe, expect, it } from "vitest";
import { useStack } from "../../api-gateway/test/support/stack.ts";

const stack = useStack();

const { call, signUp } = stackClient(() => stack.gatewayUrl);

describe("user service through the gateway", () => {
  it("updates the profile with a preferences merge and rejects a bad patch with field errors", async () => {
    const ada = await signUp();
    await call("PATCH", "/v1/users/me", ada.accessToken, { preferences: { theme: "dark", lang: "en" } });
    const patched = await call("PATCH", "/v1/users/me", ada.accessToken, {
      displayName: "Ada",
      preferences: { lang: null },
    });
    expect(patched.status).toBe(200);
    expect(ProfileSchema.parse(await patched.json())).toMatchObject({
      displayName: "Ada",
      preferences: { theme: "dark" },
    });
    const bad = await call("PATCH", "/v1/users/me", ada.accessToken, { displayName: "", color: "red" });
    expect(bad.status).toBe(400);
    expect(ProblemSchema.parse(await bad.json()).errors?.length).toBeGreaterThan(0);
  });

  it("creates, lists and shares projects, and keeps the last owner", async () => {
    const owner = await signUp();
    const colleague = await signUp();
    const created = await call("POST", "/v1/projects", owner.accessToken, { name: "Apollo" });
    expect(created.status).toBe(201);
    const project = CreatedProjectSchema.parse(await created.json());
    expect(project).toMatchObject({ name: "Apollo", role: "owner" });

    const added = await call("POST", `/v1/projects/${project.id}/members`, owner.accessToken, {
      email: colleague.user.email,
      role: "member",
    });
    expect(added.status).toBe(201);
    expect(MembershipSchema.parse(await added.json())).toMatchObject({
      userId: colleague.user.id,
      role: "member",
    });
    const listed = ProjectPageSchema.parse(
      await (await call("GET", "/v1/projects?limit=10", colleague.accessToken)).json(),
    );
    expect(listed.items).toEqual([expect.objectContaining({ id: project.id, role: "member" })]);

    const byMember = await call("POST", `/v1/projects/${project.id}/members`, colleague.accessToken, {
      userId: owner.user.id,
      role: "viewer",
    });
    expect(byMember.status).toBe(403);
    const lastOwner = await call(
      "DELETE",
      `/v1/projects/${project.id}/members/${owner.user.id}`,
      owner.accessToken,
    );
    expect(lastOwner.status).toBe(409);
    expect(ProblemSchema.parse(await lastOwner.json()).code).toBe("user.last_owner");
    const leave = await call(
      "DELETE",
      `/v1/projects/${project.id}/members/${colleague.user.id}`,
      colleague.accessToken,
    );
    expect(leave.status).toBe(204);
  });

  it("shows the caller's history and erases the account with 202", async () => {
    const grace = await signUp();
    await call("POST", "/v1/projects", grace.accessToken, { name: "Solo" });
    const deadline = Date.now() + 10_000;
    let types: string[] = [];
    while (Date.now() < deadline && !types.includes("user.project.created")) {
      const page = HistoryPageSchema.parse(
        await (await call("GET", "/v1/users/me/history", grace.accessToken)).json(),
      );
      types = page.items.map((item) => item.type);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(types).toEqual(expect.arrayContaining(["auth.account.registered", "user.project.created"]));

    const erased = await call("DELETE", "/v1/users/me", grace.accessToken);
    expect(erased.status).toBe(202);
    expect((await call("GET", "/v1/users/me", grace.accessToken)).status).toBe(404);
  });
});
