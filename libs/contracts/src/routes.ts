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
   * as JSON with `successStatus`. `html`: the answer is `{ html }`, sent as `text/html` with a strict
   * Content-Security-Policy (pages a person opens from an email). @default "json"
   */
  readonly respond?: "json" | "redirect" | "html";
  /** A browser-bound cookie carried between the browser and the operation (e.g. an OAuth flow). */
  readonly cookie?: RouteCookie;
  /**
   * The body reaches the operation as the exact bytes received (`raw`, a `RawBody`), not parsed:
   * for signatures computed over the bytes (webhooks) and for files sent with their own type.
   */
  readonly rawBody?: RawBodyOptions;
  /**
   * What the operation itself may answer besides success: its stable problem codes by HTTP status
   * (the gateway's own answers, such as validation, tokens, limits and time-outs, are not listed).
   * The OpenAPI document shows each status with its codes.
   */
  readonly problems?: RouteProblems;
}

/** Problem codes by HTTP status (`{ 404: ["memory.not_found"] }`). */
export type RouteProblems = Readonly<Record<number, readonly string[]>>;

/** How a route takes its body as bytes (`RouteDefinition.rawBody`). */
export interface RawBodyOptions {
  /**
   * Accepted media types (`type/subtype`, compared without case and parameters); another is 415.
   * `"any"` accepts every type, and a body without one.
   */
  readonly contentTypes: readonly string[] | "any";
  /** Request headers handed to the operation in `raw.headers` when present (matched without case). */
  readonly headers?: readonly string[];
  /**
   * An `application/json` body is parsed and validated with `request.body` as on any JSON route, and
   * the operation gets no `raw`; other types stay bytes. @default false
   */
  readonly jsonAlternative?: boolean;
}

/** Longest value of a header handed over in `raw.headers`, in characters. @default 4_096 */
export const MAX_RAW_HEADER_LENGTH = 4_096;

/**
 * A body as received, in an operation's request (`raw`): the Content-Type as sent (parameters
 * kept; `application/octet-stream` when none was sent), the bytes in base64 and their count, and
 * the route's listed headers that were present, under lower-case names with their values as sent.
 */
export const RawBodySchema = z.object({
  contentType: text().min(1).max(MAX_RAW_HEADER_LENGTH),
  base64: z.base64(),
  bytes: z.number().int().min(0),
  headers: z.record(text().min(1).max(256), text().max(MAX_RAW_HEADER_LENGTH)),
});
export type RawBody = z.infer<typeof RawBodySchema>;

/** The Content-Type that a body sent without one is taken to have (RFC 9110, 8.3). */
export const DEFAULT_RAW_CONTENT_TYPE = "application/octet-stream";

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
  const defined = Object.freeze({
    projectScoped: false,
    idempotent: isWriteRoute(route),
    request: {},
    ...route,
  });
  if (defined.rawBody) checkRawBody(defined, defined.rawBody);
  return defined;
}

/** A raw route whose declaration cannot work fails where it is declared, not on its first request. */
function checkRawBody(route: RouteDefinition, raw: RawBodyOptions): void {
  const named = `${route.method} ${route.path}`;
  if (route.method === "GET") throw new TypeError(`${named}: a GET route takes no body, raw or not`);
  if (raw.jsonAlternative === true && route.request.body === undefined) {
    throw new TypeError(`${named}: jsonAlternative needs request.body to validate the JSON with`);
  }
  if (raw.jsonAlternative !== true && route.request.body !== undefined) {
    throw new TypeError(`${named}: a raw body has no JSON schema (request.body) unless jsonAlternative`);
  }
  if (raw.contentTypes !== "any" && raw.contentTypes.length === 0 && raw.jsonAlternative !== true) {
    throw new TypeError(`${named}: rawBody.contentTypes is empty`);
  }
}
