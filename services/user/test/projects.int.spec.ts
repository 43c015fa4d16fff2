import { randomUUID } from "node:crypto";
import {
  accessGet,
  invitationsCreate,
  membersList,
  membersRemove,
  membersUpdate,
  meUpdate,
  projectsCreate,
  projectsGet,
  projectsList,
} from "@tessera/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ctx, type Harness, joinProject, registerUser, startHarness } from "./support.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness("userproj");
});

afterAll(async () => {
  await h?.stop();
});

async function projectWithTeam() {
  const owner = await registerUser(h);
  const project = await h.caller.request(projectsCreate, { name: "Apollo" }, ctx(owner.userId));
  const projectId = project.id;
  const admin = await joinProject(h, projectId, owner.userId, "admin");
  const member = await joinProject(h, projectId, admin.userId, "member");
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

  it("shows the project to its members and lists them with their display names in the order they joined", async () => {
    const { owner, admin, member, projectId } = await projectWithTeam();
    expect(await access(admin.userId, projectId)).toMatchObject({ projectRole: "admin" });
    expect(await h.caller.request(projectsGet, { projectId }, ctx(member.userId))).toEqual({
      id: projectId,
      name: "Apollo",
      role: "member",
      createdAt: expect.any(String),
    });
    await h.caller.request(meUpdate, { displayName: "Ada" }, ctx(admin.userId));
    const first = await h.caller.request(membersList, { projectId, limit: 2 }, ctx(member.userId));
    expect(first.items).toEqual([
      { userId: owner.userId, displayName: null, role: "owner", joinedAt: expect.any(String) },
      { userId: admin.userId, displayName: "Ada", role: "admin", joinedAt: expect.any(String) },
    ]);
    const rest = await h.caller.request(
      membersList,
      { projectId, limit: 2, cursor: first.nextCursor ?? undefined },
      ctx(member.userId),
    );
    expect(rest).toEqual({
      items: [expect.objectContaining({ userId: member.userId, role: "member" })],
      nextCursor: null,
    });
  });

  it("changes roles: owners and admins do it, only an owner gives or takes owner, the last owner stays", async () => {
    const { owner, admin, member, projectId } = await projectWithTeam();
    expect(
      await h.caller.request(
        membersUpdate,
        { projectId, userId: member.userId, role: "viewer" },
        ctx(admin.userId),
      ),
    ).toMatchObject({ userId: member.userId, role: "viewer" });
    expect(await access(member.userId, projectId)).toMatchObject({ projectRole: "viewer" });
    await expect(
      h.caller.request(membersUpdate, { projectId, userId: admin.userId, role: "owner" }, ctx(admin.userId)),
    ).rejects.toMatchObject({ status: 403, code: "user.forbidden" });
    await expect(
      h.caller.request(membersUpdate, { projectId, userId: owner.userId, role: "admin" }, ctx(owner.userId)),
    ).rejects.toMatchObject({ status: 409, code: "user.last_owner" });
    await h.caller.request(
      membersUpdate,
      { projectId, userId: admin.userId, role: "owner" },
      ctx(owner.userId),
    );
    await h.caller.request(
      membersUpdate,
      { projectId, userId: owner.userId, role: "member" },
      ctx(owner.userId),
    );
    expect(await access(owner.userId, projectId)).toMatchObject({ projectRole: "member" });
    await expect(
      h.caller.request(membersUpdate, { projectId, userId: randomUUID(), role: "viewer" }, ctx(admin.userId)),
    ).rejects.toMatchObject({ status: 404, code: "user.member_not_found" });
  });

  it("answers 404 project.not_found to a non-member acting on the project", async () => {
    const { projectId } = await projectWithTeam();
    const stranger = await registerUser(h);
    const attempts = [
      () =>
        h.caller.request(
          invitationsCreate,
          { projectId, email: stranger.email, role: "admin" },
          ctx(stranger.userId),
        ),
      () => h.caller.request(projectsGet, { projectId }, ctx(stranger.userId)),
      () => h.caller.request(membersList, { projectId, limit: 10 }, ctx(stranger.userId)),
      () =>
        h.caller.request(
          membersUpdate,
          { projectId, userId: stranger.userId, role: "admin" },
          ctx(stranger.userId),
        ),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toMatchObject({ status: 404, code: "project.not_found" });
    }
    expect(await access(stranger.userId, projectId)).toEqual({ platformRoles: [], projectRole: null });
  });

  it("checks the actor's role itself, whatever role the headers claim", async () => {
    const { member, admin, owner, projectId } = await projectWithTeam();
    await expect(
      h.caller.request(
        invitationsCreate,
        { projectId, email: "newcomer@example.com", role: "member" },
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
    const { owner, member, projectId } = await projectWithTeam();
    await expect(
      h.caller.request(
        membersUpdate,
        { projectId, userId: member.userId, role: "viewer" },
        ctx(owner.userId, { projectId: randomUUID() }),
      ),
    ).rejects.toMatchObject({ status: 404, code: "project.not_found" });
  });
});
