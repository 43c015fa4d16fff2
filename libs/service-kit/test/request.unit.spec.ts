import { randomUUID } from "node:crypto";
import { ForbiddenError, ProjectNotVisibleError, UnauthorizedError } from "@tessera/contracts";
import { describe, expect, it } from "vitest";
import {
  callerOf,
  eventMetadata,
  requirePlatformAdmin,
  requireSystem,
  requireUser,
  scopedProject,
  systemActor,
  systemContext,
  userOrNull,
} from "../src/index.ts";

const userId = randomUUID();
const projectId = randomUUID();

describe("who is calling", () => {
  it("tells a user, the platform and nobody apart", () => {
    expect(callerOf({ actor: userId })).toEqual({ kind: "user", userId, platformAdmin: false });
    expect(callerOf({ actor: userId, roles: ["admin"] })).toEqual({
      kind: "user",
      userId,
      platformAdmin: true,
    });
    expect(callerOf({ actor: systemActor("cli") })).toEqual({ kind: "system", name: "cli" });
    expect(callerOf({})).toEqual({ kind: "anonymous" });
    // Anything else in the header is nobody, not a user with an odd id.
    expect(callerOf({ actor: "not-a-user-id" })).toEqual({ kind: "anonymous" });
  });

  it("requires a signed-in user where an operation acts for one", () => {
    expect(requireUser({ actor: userId })).toBe(userId);
    expect(() => requireUser({ actor: systemActor("user") })).toThrow(UnauthorizedError);
    expect(() => requireUser({})).toThrow(
      expect.objectContaining({ status: 401, code: "auth.unauthenticated" }),
    );
    expect(userOrNull({ actor: userId })).toBe(userId);
    expect(userOrNull({ actor: systemActor("memory") })).toBeNull();
  });

  it("lets platform admins and the platform through admin operations, and only the platform through system ones", () => {
    expect(() => requirePlatformAdmin({ actor: userId, roles: ["admin"] })).not.toThrow();
    expect(() => requirePlatformAdmin({ actor: systemActor("job-scheduler") })).not.toThrow();
    expect(() => requirePlatformAdmin({ actor: userId })).toThrow(ForbiddenError);
    expect(() => requireSystem({ actor: systemActor("cli") })).not.toThrow();
    expect(() => requireSystem({ actor: userId, roles: ["admin"] })).toThrow(
      expect.objectContaining({ status: 403, code: "auth.forbidden" }),
    );
  });

  it("gives the platform's own work a fresh request id each time", () => {
    const first = systemContext("memory");
    expect(first.actor).toBe("system:memory");
    expect(systemContext("memory").requestId).not.toBe(first.requestId);
  });
});

describe("the project scope", () => {
  it("answers a request for another project than the checked one as unknown", () => {
    expect(scopedProject({ projectId }, { projectId })).toBe(projectId);
    expect(scopedProject({ projectId }, {})).toBe(projectId);
    expect(() => scopedProject({ projectId: randomUUID() }, { projectId })).toThrow(ProjectNotVisibleError);
  });
});

describe("event metadata", () => {
  const ctx = { requestId: "req-1", traceparent: `00-${"a".repeat(32)}-${"b".repeat(16)}-01`, actor: userId };

  it("records the request, trace, actor and project of the context", () => {
    expect(eventMetadata({ ...ctx, projectId })).toEqual({ ...ctx, projectId });
    expect(eventMetadata({ requestId: "req-2" })).toEqual({ requestId: "req-2" });
  });

  it("takes another actor, a new project and the causing event where the caller names them", () => {
    const causationId = randomUUID();
    expect(eventMetadata(ctx, { actor: systemActor("user"), projectId, causationId })).toEqual({
      ...ctx,
      actor: "system:user",
      projectId,
      causationId,
    });
  });
});
