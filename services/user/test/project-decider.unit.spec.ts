import type { ProjectRole } from "@tessera/contracts";
import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import {
  LastOwnerError,
  MemberNotFoundError,
  ProjectExistsError,
  ProjectForbiddenError,
  ProjectNotFoundError,
} from "../src/domain/errors.ts";
import { type ProjectCommand, type ProjectEvent, projectDecider } from "../src/domain/project.ts";

const now = new Date("2026-11-22T09:00:00.000Z");
const at = now.toISOString();
const projectId = "6f1c7d2e-0d8b-4a53-9b1e-2c4d5e6f7a8b";
const owner = "11111111-1111-4111-8111-111111111111";
const admin = "22222222-2222-4222-8222-222222222222";
const member = "33333333-3333-4333-8333-333333333333";
const stranger = "44444444-4444-4444-8444-444444444444";
const secondOwner = "55555555-5555-4555-8555-555555555555";

const added = (userId: string, role: ProjectRole): ProjectEvent => ({
  type: "user.membership.added",
  data: { projectId, userId, role, addedAt: at },
});
const removed = (userId: string, role: ProjectRole): ProjectEvent => ({
  type: "user.membership.removed",
  data: { projectId, userId, role, removedAt: at },
});
const created: ProjectEvent = {
  type: "user.project.created",
  data: { projectId, userId: owner, name: "Apollo", createdAt: at },
};
const team: ProjectEvent[] = [created, added(owner, "owner"), added(admin, "admin"), added(member, "member")];

const add = (actorId: string, userId: string, role: "admin" | "member" | "viewer"): ProjectCommand => ({
  type: "AddMember",
  data: { projectId, userId, role },
  meta: { now, actorId },
});
const remove = (actorId: string, userId: string): ProjectCommand => ({
  type: "RemoveMember",
  data: { projectId, userId },
  meta: { now, actorId },
});
const eraseUser = (userId: string): ProjectCommand => ({
  type: "RemoveErasedUser",
  data: { projectId, userId },
  meta: { now, actorId: "system:user" },
});

describe("project decider", () => {
  it("creates a project with its creator as owner", () => {
    given(projectDecider, [])
      .when({ type: "CreateProject", data: { projectId, name: "Apollo" }, meta: { now, actorId: owner } })
      .then([created, added(owner, "owner")]);
    given(projectDecider, [created])
      .when({ type: "CreateProject", data: { projectId, name: "Apollo" }, meta: { now, actorId: owner } })
      .thenThrows(ProjectExistsError);
  });

  it("lets owners and admins add members, and nobody else", () => {
    given(projectDecider, team)
      .when(add(owner, stranger, "viewer"))
      .then([added(stranger, "viewer")]);
    given(projectDecider, team)
      .when(add(admin, stranger, "admin"))
      .then([added(stranger, "admin")]);
    given(projectDecider, team)
      .when(add(member, stranger, "viewer"))
      .thenThrows(ProjectForbiddenError);
  });

  it("tells a non-member that the project does not exist", () => {
    given(projectDecider, team)
      .when(add(stranger, stranger, "viewer"))
      .thenThrows(ProjectNotFoundError);
    given(projectDecider, [])
      .when(add(owner, member, "viewer"))
      .thenThrows(ProjectNotFoundError);
  });

  it("changes the role of an existing member and ignores a repeat", () => {
    given(projectDecider, team)
      .when(add(admin, member, "viewer"))
      .then([
        {
          type: "user.membership.changed",
          data: { projectId, userId: member, role: "viewer", previousRole: "member", changedAt: at },
        },
      ]);
    given(projectDecider, team)
      .when(add(owner, member, "member"))
      .then([]);
  });

  it("lets only an owner demote an owner, and never the last one", () => {
    given(projectDecider, team)
      .when(add(admin, owner, "member"))
      .thenThrows(ProjectForbiddenError);
    given(projectDecider, team)
      .when(add(owner, owner, "admin"))
      .thenThrows(LastOwnerError);
  });

  it("lets owners and admins remove members and anyone leave", () => {
    given(projectDecider, team)
      .when(remove(admin, member))
      .then([removed(member, "member")]);
    given(projectDecider, team)
      .when(remove(member, member))
      .then([removed(member, "member")]);
    given(projectDecider, team).when(remove(member, admin)).thenThrows(ProjectForbiddenError);
    given(projectDecider, team).when(remove(owner, stranger)).thenThrows(MemberNotFoundError);
  });

  it("refuses an admin removing an owner", () => {
    const twoOwners = [...team, added(secondOwner, "owner")];
    given(projectDecider, twoOwners).when(remove(admin, owner)).thenThrows(ProjectForbiddenError);
    given(projectDecider, twoOwners)
      .when(remove(secondOwner, owner))
      .then([removed(owner, "owner")]);
  });

  it("keeps the last owner: they can neither leave nor be removed", () => {
    const error = given(projectDecider, team).when(remove(owner, owner)).thenThrows(LastOwnerError);
    expect(error.code).toBe("user.last_owner");
    expect(error.status).toBe(409);
  });

  it("hands a project over to the longest-standing admin when its only owner is erased", () => {
    given(projectDecider, team)
      .when(eraseUser(owner))
      .then([
        {
          type: "user.membership.changed",
          data: { projectId, userId: admin, role: "owner", previousRole: "admin", changedAt: at },
        },
        removed(owner, "owner"),
      ]);
  });

  it("deletes a project whose only owner is erased when no admin is left to take over", () => {
    given(projectDecider, [created, added(owner, "owner"), added(member, "member")])
      .when(eraseUser(owner))
      .then([
        removed(owner, "owner"),
        removed(member, "member"),
        { type: "user.project.deleted", data: { projectId, userId: owner, deletedAt: at } },
      ]);
  });

  it("removes an erased member who is not the last owner, and ignores a non-member", () => {
    given(projectDecider, team)
      .when(eraseUser(member))
      .then([removed(member, "member")]);
    given(projectDecider, team).when(eraseUser(stranger)).then([]);
  });
});
