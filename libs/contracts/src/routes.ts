import type { z } from "zod";
import type { OperationDefinition } from "./messaging.ts";
import type { ProjectRole } from "./user.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Rate-limit classes; the gateway keys and sizes each from its configuration. */
export type RateClass = "auth-login" | "auth-register" | "auth-recover" | "read" | "write" | "none";

/**
 * Who may call a route: anyone, a caller with a valid access token, or a platform admin (the gateway
 * asks `svc.user.access.get` for the caller's roles, cached and invalidated by role events).
 */
export type RouteAuth = "public" | "bearer" | "platform-admin";

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** OpenAPI-style path (`/v1/projects/{projectId}`). */
  readonly path: string;
  readonly summary: string;
  readonly operation: OperationDefinition;
  readonly auth: RouteAuth;
  /**
   * The path carries `{projectId}` and the caller must be a member; a non-member gets 404, so ids
   * do not leak. The gateway passes the project and the caller's project role in the headers.
   */
  readonly projectScoped: boolean;
  /** Project roles allowed on a project-scoped route (a member with another role gets 403). @default every role */
  readonly projectRoles?: readonly ProjectRole[];
  readonly rateClass: RateClass;
  /** Honours `Idempotency-Key`. */
  readonly idempotent: boolean;
  readonly successStatus: number;
  readonly request: { readonly body?: z.ZodType; readonly params?: z.ZodType; readonly query?: z.ZodType };
  readonly response: z.ZodType | null;
  /** Body limit in bytes. @default 1_048_576 */
  readonly bodyLimit?: number;
}

type RouteInput = Omit<RouteDefinition, "projectScoped" | "idempotent" | "request"> &
  Partial<Pick<RouteDefinition, "projectScoped" | "idempotent" | "request">>;

export function defineRoute(route: RouteInput): RouteDefinition {
  return Object.freeze({ projectScoped: false, idempotent: false, request: {}, ...route });
}
