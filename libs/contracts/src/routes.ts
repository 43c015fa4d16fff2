import type { z } from "zod";
import { authLogin, authRegister, TokenPairSchema } from "./auth.ts";
import type { OperationDefinition } from "./messaging.ts";
import { ProfileSchema, userGetMe } from "./user.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Rate-limit classes; the gateway keys and sizes each from its configuration. */
export type RateClass = "auth-login" | "auth-register" | "auth-recover" | "read" | "write" | "none";

/** Who may call a route: anyone, or a caller with a valid access token. */
export type RouteAuth = "public" | "bearer";

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** OpenAPI-style path (`/v1/projects/{projectId}`). */
  readonly path: string;
  readonly summary: string;
  readonly operation: OperationDefinition;
  readonly auth: RouteAuth;
  /** The path carries `{projectId}` and the caller must be a member. */
  readonly projectScoped: boolean;
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

/** The public HTTP contract, one declaration per route; the gateway builds every route from it. */
export const routes: readonly RouteDefinition[] = [
  defineRoute({
    method: "POST",
    path: "/v1/auth/register",
    summary: "Create an account and sign in",
    operation: authRegister,
    auth: "public",
    rateClass: "auth-register",
    idempotent: true,
    successStatus: 201,
    request: { body: authRegister.request },
    response: TokenPairSchema,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/auth/login",
    summary: "Sign in with email and password",
    operation: authLogin,
    auth: "public",
    rateClass: "auth-login",
    successStatus: 200,
    request: { body: authLogin.request },
    response: TokenPairSchema,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/users/me",
    summary: "The caller's profile",
    operation: userGetMe,
    auth: "bearer",
    rateClass: "read",
    successStatus: 200,
    response: ProfileSchema,
  }),
];
