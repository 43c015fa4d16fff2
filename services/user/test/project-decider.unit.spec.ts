import { ProjectNotVisibleError, type ProjectRole } from "@tessera/contracts";
import { given } from "@tessera/eventstore";
import { describe, expect, it } from "vitest";
import {
  LastOwnerError,
  MemberNotFoundError,
  ProjectExistsError,
  ProjectForbiddenError,
} from "../src/domain/errors.ts";
import { projectDecider } from "../src/domain/project.ts";
import type { ProjectCommand, ProjectEvent } from "../src/domain/project-state.ts";

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

const change = (actorId: string, userId: string, role: ProjectRole): ProjectCommand => ({
  type: "ChangeMemberRole",
  data: { projectId, userId, role },
  meta: { now, actorId },
});
const changed = (userId: string, role: ProjectRole, previousRole: ProjectRole): ProjectEvent => ({
  type: "user.membership.changed",
  data: { projectId, userId, role, previousRole, changedAt: at },
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

  it("lets owners and admins change roles, and nobody else", () => {
    given(projectDecider, team)
      .when(change(admin, member, "viewer"))
      .then([changed(member, "viewer", "member")]);
    given(projectDecider, team)
      .when(change(owner, member, "member"))
      .then([]);
    given(projectDecider, team)
      .when(change(member, admin, "viewer"))
      .thenThrows(ProjectForbiddenError);
    given(projectDecider, team)
      .when(change(owner, stranger, "viewer"))
      .thenThrows(MemberNotFoundError);
  });

  it("tells a non-member that the project does not exist", () => {
    const error = given(projectDecider, team)
      .when(change(stranger, member, "viewer"))
      .thenThrows(ProjectNotVisibleError);
    expect(error.code).toBe("project.not_found");
    given(projectDecider, [])
      .when(change(owner, member, "viewer"))
      .thenThrows(ProjectNotVisibleError);
  });

  it("lets only an owner give or take the owner role, and never demote the last owner", () => {
    given(projectDecider, team)
      .when(change(admin, owner, "member"))
      .thenThrows(ProjectForbiddenError);
    given(projectDecider, team)
      .when(change(admin, member, "owner"))
      .thenThrows(ProjectForbiddenError);
    given(projectDecider, team)
      .when(change(owner, owner, "admin"))
      .thenThrows(LastOwnerError);
    const { state } = given(projectDecider, team)
      .when(change(owner, admin, "owner"))
      .then([changed(admin, "owner", "admin")]);
    expect(state).toMatchObject({ status: "active" });
    given(projectDecider, [...team, changed(admin, "owner", "admin")])
      .when(change(owner, owner, "member"))
      .then([changed(owner, "member", "owner")]);
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
