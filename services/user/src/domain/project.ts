import type { AssignableProjectRole, ProjectRole } from "@tessera/contracts";
import {
  LastOwnerError,
  MemberNotFoundError,
  ProjectExistsError,
  ProjectForbiddenError,
  ProjectFullError,
  ProjectNotFoundError,
} from "./errors.ts";

/** Members per project. @default 1_000 */
export const MAX_PROJECT_MEMBERS = 1_000;

export interface ProjectCommandMeta {
  now: Date;
  /** The user acting; the decider checks their role in its own state, never a header. */
  actorId: string;
}

type Member = { projectId: string; userId: string };

/** The project aggregate (`project-<id>`): the project and its memberships. */
export type ProjectEvent =
  | {
      type: "user.project.created";
      data: { projectId: string; userId: string; name: string; createdAt: string };
    }
  | { type: "user.membership.added"; data: Member & { role: ProjectRole; addedAt: string } }
  | {
      type: "user.membership.changed";
      data: Member & { role: ProjectRole; previousRole: ProjectRole; changedAt: string };
    }
  | { type: "user.membership.removed"; data: Member & { role: ProjectRole; removedAt: string } }
  | { type: "user.project.deleted"; data: { projectId: string; userId: string; deletedAt: string } };

export type ProjectState =
  | { status: "absent" }
  | { status: "active"; projectId: string; name: string; members: ReadonlyMap<string, ProjectRole> }
  | { status: "deleted" };

type ActiveProject = Extract<ProjectState, { status: "active" }>;

export type ProjectCommand =
  | { type: "CreateProject"; data: { projectId: string; name: string }; meta: ProjectCommandMeta }
  | {
      type: "AddMember";
      data: { projectId: string; userId: string; role: AssignableProjectRole };
      meta: ProjectCommandMeta;
    }
  | { type: "RemoveMember"; data: Member; meta: ProjectCommandMeta }
  /** The platform forgets an erased user: no actor check, and a last owner is replaced or the project goes. */
  | { type: "RemoveErasedUser"; data: Member; meta: ProjectCommandMeta };

export function decideProject(command: ProjectCommand, state: ProjectState): ProjectEvent[] {
  const at = command.meta.now.toISOString();
  switch (command.type) {
    case "CreateProject": {
      if (state.status !== "absent") throw new ProjectExistsError();
      const { projectId, name } = command.data;
      const userId = command.meta.actorId;
      return [
        { type: "user.project.created", data: { projectId, userId, name, createdAt: at } },
        { type: "user.membership.added", data: { projectId, userId, role: "owner", addedAt: at } },
      ];
    }
    case "AddMember":
      return decideAddMember(command.data, actorRole(state, command.meta.actorId), at);
    case "RemoveMember":
      return decideRemoveMember(
        command.data,
        actorRole(state, command.meta.actorId),
        command.meta.actorId,
        at,
      );
    case "RemoveErasedUser":
      return state.status === "active" ? decideRemoveErased(command.data, state, at) : [];
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/** The acting member and the project; a non-member is told the project does not exist. */
function actorRole(state: ProjectState, actorId: string): { project: ActiveProject; role: ProjectRole } {
  const role = state.status === "active" ? state.members.get(actorId) : undefined;
  if (state.status !== "active" || role === undefined) throw new ProjectNotFoundError();
  return { project: state, role };
}

function owners(project: ActiveProject): number {
  return [...project.members.values()].filter((role) => role === "owner").length;
}

function decideAddMember(
  data: Extract<ProjectCommand, { type: "AddMember" }>["data"],
  { project, role: actor }: { project: ActiveProject; role: ProjectRole },
  at: string,
): ProjectEvent[] {
  if (actor !== "owner" && actor !== "admin") {
    throw new ProjectForbiddenError("Only owners and admins add members.");
  }
  const current = project.members.get(data.userId);
  if (current === undefined) {
    if (project.members.size >= MAX_PROJECT_MEMBERS) throw new ProjectFullError(MAX_PROJECT_MEMBERS);
    return [{ type: "user.membership.added", data: { ...data, addedAt: at } }];
  }
  if (current === data.role) return [];
  if (current === "owner") {
    if (actor !== "owner") throw new ProjectForbiddenError("Only an owner changes an owner's role.");
    if (owners(project) === 1) throw new LastOwnerError();
  }
  return [{ type: "user.membership.changed", data: { ...data, previousRole: current, changedAt: at } }];
}

function decideRemoveMember(
  data: Member,
  { project, role: actor }: { project: ActiveProject; role: ProjectRole },
  actorId: string,
  at: string,
): ProjectEvent[] {
  const leaving = data.userId === actorId;
  if (!leaving && actor !== "owner" && actor !== "admin") {
    throw new ProjectForbiddenError("Only owners and admins remove other members.");
  }
  const target = project.members.get(data.userId);
  if (target === undefined) throw new MemberNotFoundError();
  if (target === "owner") {
    if (!leaving && actor !== "owner") throw new ProjectForbiddenError("Only an owner removes an owner.");
    if (owners(project) === 1) throw new LastOwnerError();
  }
  return [{ type: "user.membership.removed", data: { ...data, role: target, removedAt: at } }];
}

/**
 * An erased member leaves. When they were the only owner, the longest-standing admin becomes
 * owner; with no admin, the project is deleted (every membership removed first), so no project is
 * left without an owner (docs/decisions).
 */
function decideRemoveErased(data: Member, project: ActiveProject, at: string): ProjectEvent[] {
  const role = project.members.get(data.userId);
  if (role === undefined) return [];
  const removed = (userId: string, memberRole: ProjectRole): ProjectEvent => ({
    type: "user.membership.removed",
    data: { projectId: data.projectId, userId, role: memberRole, removedAt: at },
  });
  if (role !== "owner" || owners(project) > 1) return [removed(data.userId, role)];
  const successor = [...project.members].find(([, memberRole]) => memberRole === "admin")?.[0];
  if (successor !== undefined) {
    return [
      {
        type: "user.membership.changed",
        data: {
          projectId: data.projectId,
          userId: successor,
          role: "owner",
          previousRole: "admin",
          changedAt: at,
        },
      },
      removed(data.userId, role),
    ];
  }
  return [
    ...[...project.members].map(([userId, memberRole]) => removed(userId, memberRole)),
    { type: "user.project.deleted", data: { projectId: data.projectId, userId: data.userId, deletedAt: at } },
  ];
}

export function evolveProject(state: ProjectState, event: ProjectEvent): ProjectState {
  switch (event.type) {
    case "user.project.created":
      return { status: "active", projectId: event.data.projectId, name: event.data.name, members: new Map() };
    case "user.membership.added":
    case "user.membership.changed":
      if (state.status !== "active") return state;
      return { ...state, members: new Map(state.members).set(event.data.userId, event.data.role) };
    case "user.membership.removed": {
      if (state.status !== "active") return state;
      const members = new Map(state.members);
      members.delete(event.data.userId);
      return { ...state, members };
    }
    case "user.project.deleted":
      return { status: "deleted" };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const projectDecider = {
  decide: decideProject,
  evolve: evolveProject,
  initialState: (): ProjectState => ({ status: "absent" }),
};

export function projectStreamId(projectId: string): string {
  return `project-${projectId}`;
}
