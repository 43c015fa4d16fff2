import { randomUUID } from "node:crypto";
import { accessGet, membersAdd, membersRemove, projectsCreate, projectsList } from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ctx, type Harness, registerUser, startHarness } from "./support.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness("userproj");
});

afterAll(async () => {
  await h?.stop();
});

async function projectWithTeam() {
  const owner = await registerUser(h);
  const admin = await registerUser(h);
  const member = await registerUser(h);
  const project = await h.caller.request(projectsCreate, { name: "Apollo" }, ctx(owner.userId));
  const projectId = project.id;
  await h.caller.request(membersAdd, { projectId, userId: admin.userId, role: "admin" }, ctx(owner.userId));
  await h.caller.request(membersAdd, { projectId, email: member.email, role: "member" }, ctx(owner.userId));
  return { owner, admin, member, projectId };
}

const access = (userId: string, projectId: string) =>
  h.caller.request(accessGet, { userId, projectId }, ctx("system:test"));

describe("projects and memberships", () => {
  it("creates a project owned by the caller", async () => {
    const owner = await registerUser(h);
    const project = await h.caller.request(projectsCreate, { name: "  Gemini " }, ctx(owner.userId));
    expect(project).toEqual({ id: expect.any(String), name: "Gemini", role: "owner" });
    expect(await access(owner.userId, project.id)).toEqual({ platformRoles: [], projectRole: "owner" });
  });

  it("lists the caller's projects in pages with an opaque cursor", async () => {
    const owner = await registerUser(h);
    const names = ["p1", "p2", "p3", "p4", "p5"];
    for (const name of names) await h.caller.request(projectsCreate, { name }, ctx(owner.userId));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await h.caller.request(projectsList, { limit: 2, cursor }, ctx(owner.userId));
      seen.push(...result.items.map((item) => item.name));
      expect(result.items.every((item) => item.role === "owner")).toBe(true);
      if (result.nextCursor === null) break;
      cursor = result.nextCursor;
    }
    // Every project exactly once across the pages (ties in join time are ordered by id).
    expect([...seen].sort()).toEqual(names);
    const other = await registerUser(h);
    expect(await h.caller.request(projectsList, { limit: 50 }, ctx(other.userId))).toEqual({
      items: [],
      nextCursor: null,
    });
    await expect(
      h.caller.request(projectsList, { limit: 2, cursor: "bm90LWEtY3Vyc29y" }, ctx(owner.userId)),
    ).rejects.toMatchObject({ status: 400, errors: [expect.objectContaining({ field: "cursor" })] });
  });

  it("adds members by id or email and answers with the membership", async () => {
    const { admin, member, projectId } = await projectWithTeam();
    expect(await access(admin.userId, projectId)).toMatchObject({ projectRole: "admin" });
    expect(await access(member.userId, projectId)).toMatchObject({ projectRole: "member" });
    const viewer = await registerUser(h);
    const membership = await h.caller.request(
      membersAdd,
      { projectId, email: viewer.email.toUpperCase(), role: "viewer" },
      ctx(admin.userId),
    );
    expect(membership).toEqual({
      projectId,
      userId: viewer.userId,
      role: "viewer",
      addedAt: expect.any(String),
    });
  });

  it("answers 404 for an unknown user, and 404 to a non-member acting on the project", async () => {
    const { owner, projectId } = await projectWithTeam();
    await expect(
      h.caller.request(
        membersAdd,
        { projectId, email: "nobody@example.com", role: "member" },
        ctx(owner.userId),
      ),
    ).rejects.toMatchObject({ status: 404, code: "user.not_found" });
    const stranger = await registerUser(h);
    await expect(
      h.caller.request(
        membersAdd,
        { projectId, userId: stranger.userId, role: "admin" },
        ctx(stranger.userId),
      ),
    ).rejects.toMatchObject({ status: 404, code: "user.project_not_found" });
    expect(await access(stranger.userId, projectId)).toEqual({ platformRoles: [], projectRole: null });
  });

  it("checks the actor's role itself, whatever role the headers claim", async () => {
    const { member, admin, owner, projectId } = await projectWithTeam();
    const newcomer = await registerUser(h);
    await expect(
      h.caller.request(
        membersAdd,
        { projectId, userId: newcomer.userId, role: "member" },
        ctx(member.userId, { projectId, projectRole: "owner" }),
      ),
    ).rejects.toMatchObject({ status: 403, code: "user.forbidden" });
    await expect(
      h.caller.request(
        membersRemove,
        { projectId, userId: owner.userId },
        ctx(admin.userId, { projectId, projectRole: "owner" }),
      ),
    ).rejects.toMatchObject({ status: 403, code: "user.forbidden" });
    expect(await access(owner.userId, projectId)).toMatchObject({ projectRole: "owner" });
  });

  it("removes members, lets a member leave, and keeps the last owner", async () => {
    const { owner, admin, member, projectId } = await projectWithTeam();
    await h.caller.request(membersRemove, { projectId, userId: member.userId }, ctx(member.userId));
    expect(await access(member.userId, projectId)).toMatchObject({ projectRole: null });
    await expect(
      h.caller.request(membersRemove, { projectId, userId: owner.userId }, ctx(owner.userId)),
    ).rejects.toMatchObject({ status: 409, code: "user.last_owner" });
    await h.caller.request(membersRemove, { projectId, userId: admin.userId }, ctx(owner.userId));
    expect(await access(admin.userId, projectId)).toMatchObject({ projectRole: null });
    await expect(
      h.caller.request(membersRemove, { projectId, userId: randomUUID() }, ctx(owner.userId)),
    ).rejects.toMatchObject({ status: 404, code: "user.member_not_found" });
  });

  it("refuses a request whose path project differs from the verified project header", async () => {
    const { owner, projectId } = await projectWithTeam();
    const newcomer = await registerUser(h);
    await expect(
      h.caller.request(
        membersAdd,
        { projectId, userId: newcomer.userId, role: "member" },
        ctx(owner.userId, { projectId: randomUUID() }),
      ),
    ).rejects.toMatchObject({ status: 404 });
  });
});
