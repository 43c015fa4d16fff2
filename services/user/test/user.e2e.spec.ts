import {
  CreatedProjectSchema,
  HistoryPageSchema,
  MemberPageSchema,
  ProblemSchema,
  ProfileSchema,
  ProjectPageSchema,
  ProjectSchema,
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

  it("creates, shows and lists projects, and keeps the last owner", async () => {
    const owner = await signUp();
    const created = await call("POST", "/v1/projects", owner.accessToken, { name: "Apollo" });
    expect(created.status).toBe(201);
    const project = CreatedProjectSchema.parse(await created.json());
    expect(project).toMatchObject({ name: "Apollo", role: "owner" });
    const shown = await call("GET", `/v1/projects/${project.id}`, owner.accessToken);
    expect(ProjectSchema.parse(await shown.json())).toMatchObject({ id: project.id, role: "owner" });
    const listed = ProjectPageSchema.parse(
      await (await call("GET", "/v1/projects?limit=10", owner.accessToken)).json(),
    );
    expect(listed.items).toEqual([expect.objectContaining({ id: project.id, role: "owner" })]);
    const members = MemberPageSchema.parse(
      await (await call("GET", `/v1/projects/${project.id}/members`, owner.accessToken)).json(),
    );
    expect(members.items).toEqual([expect.objectContaining({ userId: owner.user.id, role: "owner" })]);

    const member = `/v1/projects/${project.id}/members/${owner.user.id}`;
    for (const attempt of [
      () => call("DELETE", member, owner.accessToken),
      () => call("PATCH", member, owner.accessToken, { role: "admin" }),
    ]) {
      const refused = await attempt();
      expect(refused.status).toBe(409);
      expect(ProblemSchema.parse(await refused.json()).code).toBe("user.last_owner");
    }
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
