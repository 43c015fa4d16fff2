import { randomUUID } from "node:crypto";
import {
  type EventMetadata,
  ForbiddenError,
  type MessageContext,
  ProjectNotVisibleError,
  UnauthorizedError,
} from "@tessera/contracts";

/**
 * What every operation and consumer needs to know about its request, written once: who is calling,
 * which project the call may touch, and what the events it causes record about it.
 */

const SYSTEM_PREFIX = "system:";
const USER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller of a request: a signed-in user (as the gateway verified them, with their platform
 * roles), the platform itself acting as `system:<name>`, or nobody (a public route).
 */
export type Caller =
  | { readonly kind: "user"; readonly userId: string; readonly platformAdmin: boolean }
  | { readonly kind: "system"; readonly name: string }
  | { readonly kind: "anonymous" };

export function callerOf(ctx: Pick<MessageContext, "actor" | "roles">): Caller {
  const actor = ctx.actor;
  if (actor?.startsWith(SYSTEM_PREFIX)) return { kind: "system", name: actor.slice(SYSTEM_PREFIX.length) };
  if (actor !== undefined && USER_ID.test(actor)) {
    return { kind: "user", userId: actor, platformAdmin: ctx.roles?.includes("admin") ?? false };
  }
  return { kind: "anonymous" };
}

/** The actor a service records when it acts on its own behalf. */
export function systemActor(name: string): string {
  return `${SYSTEM_PREFIX}${name}`;
}

/** The context of work the platform starts itself (a schedule, a worker): a fresh request id. */
export function systemContext(name: string): MessageContext {
  return { requestId: randomUUID(), actor: systemActor(name) };
}

/** The signed-in user behind the request; anything else is 401 `auth.unauthenticated`. */
export function requireUser(ctx: Pick<MessageContext, "actor" | "roles">): string {
  const caller = callerOf(ctx);
  if (caller.kind !== "user") {
    throw new UnauthorizedError("auth.unauthenticated", "This operation needs a signed-in user.");
  }
  return caller.userId;
}

/** The signed-in user behind the request, or null when the platform (or nobody) is calling. */
export function userOrNull(ctx: Pick<MessageContext, "actor" | "roles">): string | null {
  const caller = callerOf(ctx);
  return caller.kind === "user" ? caller.userId : null;
}

/**
 * A platform admin, or the platform itself. The gateway already lets only admins through to such
 * routes; the service checks again so an internal caller without the role cannot use them by accident.
 */
export function requirePlatformAdmin(ctx: Pick<MessageContext, "actor" | "roles">): void {
  const caller = callerOf(ctx);
  if (caller.kind === "system" || (caller.kind === "user" && caller.platformAdmin)) return;
  throw new ForbiddenError("auth.forbidden", "Only platform admins may do this.");
}

/** The platform itself (a CLI, another service), never a user, however privileged. */
export function requireSystem(ctx: Pick<MessageContext, "actor" | "roles">): void {
  if (callerOf(ctx).kind !== "system") {
    throw new ForbiddenError("auth.forbidden", "Only the platform's own tools may do this.");
  }
}

/**
 * The project a request may touch. The gateway has checked membership and sends the project in the
 * context; a request naming another project is answered as unknown (404), never as forbidden, so
 * project ids do not leak.
 */
export function scopedProject(
  request: { readonly projectId: string },
  ctx: Pick<MessageContext, "projectId">,
): string {
  if (ctx.projectId !== undefined && ctx.projectId !== request.projectId) throw new ProjectNotVisibleError();
  return request.projectId;
}

export interface MetadataOverrides {
  /** Who the events are recorded as done by, when not the caller (a sign-in: the account). */
  readonly actor?: string;
  /** The project the events belong to, when the context does not carry it yet (a new project). */
  readonly projectId?: string;
  /** The event that caused these events (a consumer's input). */
  readonly causationId?: string;
}

/** What every event records about the request that caused it: request id, trace, actor, project. */
export function eventMetadata(
  ctx: Partial<MessageContext>,
  overrides: MetadataOverrides = {},
): EventMetadata {
  const actor = overrides.actor ?? ctx.actor;
  const projectId = overrides.projectId ?? ctx.projectId;
  return {
    ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    ...(actor ? { actor } : {}),
    ...(projectId ? { projectId } : {}),
    ...(overrides.causationId ? { causationId: overrides.causationId } : {}),
  };
}
