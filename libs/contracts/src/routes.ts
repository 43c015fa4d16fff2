import { z } from "zod";
import type { OperationDefinition } from "./messaging.ts";
import type { ProjectRole } from "./roles.ts";
import { text } from "./scalars.ts";

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
  /**
   * Honours `Idempotency-Key` (decision 0011). A write opts out only when a replay could be wrong.
   * @default true on a write route (`isWriteRoute`), false on a read
   */
  readonly idempotent: boolean;
  readonly successStatus: number;
  readonly request: { readonly body?: z.ZodType; readonly params?: z.ZodType; readonly query?: z.ZodType };
  readonly response: z.ZodType | null;
  /** Body limit in bytes. @default 1_048_576 */
  readonly bodyLimit?: number;
  /**
   * How the operation's answer becomes HTTP. `redirect`: the answer has `location`; a URL there is
   * sent as `302 Location` (a token pair in the answer goes to the token cookies), null sends the rest
   * as JSON with `successStatus`. @default "json"
   */
  readonly respond?: "json" | "redirect";
  /** A browser-bound cookie carried between the browser and the operation (e.g. an OAuth flow). */
  readonly cookie?: RouteCookie;
  /**
   * The body reaches the operation as the bytes received (`raw`, see `RawBodySchema`), not parsed;
   * other content types are refused with 415. With `jsonAlternative`, an `application/json` body is
   * parsed and validated as `request.body` instead.
   */
  readonly rawBody?: RouteRawBody;
}

export interface RouteRawBody {
  readonly contentTypes: readonly string[] | "any";
  /** Request headers handed to the operation beside the body (names lower-case). */
  readonly headers?: readonly string[];
  readonly jsonAlternative?: boolean;
}

/** A raw body as the operation receives it: the bytes received, base64, with their content type. */
export const RawBodySchema = z.strictObject({
  contentType: text().min(1).max(1_024),
  base64: text().base64(),
  bytes: z.number().int().nonnegative(),
  headers: z.record(text(), text()),
});
export type RawBody = z.infer<typeof RawBodySchema>;

/** Set as `HttpOnly; Secure; SameSite=Lax; Path=/` (`__Host-` names). */
export interface RouteCookie {
  readonly name: string;
  /** The request field that receives the cookie's value, when the browser sent the cookie. */
  readonly requestField?: string;
  /** The answer's field that is set as the cookie (and never sent in the body). */
  readonly responseField?: string;
  /** Lifetime of the set cookie, in seconds. */
  readonly maxAgeSeconds: number;
  /** Cleared by the answer to a request that read it: single use. */
  readonly clearAfterRead?: boolean;
}

/** The fields of an operation's answer the gateway moves out of the body (cookie, `Location`). */
export function hiddenResponseFields(route: RouteDefinition): string[] {
  return [
    ...(route.cookie?.responseField ? [route.cookie.responseField] : []),
    ...(route.respond === "redirect" ? ["location"] : []),
  ];
}

type RouteInput = Omit<RouteDefinition, "projectScoped" | "idempotent" | "request"> &
  Partial<Pick<RouteDefinition, "projectScoped" | "idempotent" | "request">>;

/**
 * A route that changes something: every method but GET, unless the route is rate-limited as a read
 * (a search sent as POST for the size of its query). A 504 on a write leaves its outcome unknown.
 */
export function isWriteRoute(route: Pick<RouteDefinition, "method" | "rateClass">): boolean {
  return route.method !== "GET" && route.rateClass !== "read";
}

export function defineRoute(route: RouteInput): RouteDefinition {
  return Object.freeze({ projectScoped: false, idempotent: isWriteRoute(route), request: {}, ...route });
}
