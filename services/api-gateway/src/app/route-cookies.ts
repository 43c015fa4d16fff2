import type { RouteCookie, RouteDefinition } from "@tessera/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { cookiesOf } from "./token-cookies.ts";

/**
 * Browser flows declared on routes (`cookie`, `respond: "redirect"`), such as OAuth sign-in: the
 * services name the cookie and the `Location`, the gateway speaks HTTP.
 */

const AnswerSchema = z.record(z.string(), z.unknown());

/** The route cookie's value under the operation's request field, when the browser sent the cookie. */
export function cookieInput(route: RouteDefinition, request: FastifyRequest): Record<string, string> {
  const field = route.cookie?.requestField;
  if (route.cookie === undefined || field === undefined) return {};
  const value = cookiesOf(request).get(route.cookie.name);
  return value === undefined ? {} : { [field]: value };
}

function setCookie(cookie: RouteCookie, value: string, maxAgeSeconds: number): string {
  return `${cookie.name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; Secure; SameSite=Lax`;
}

/**
 * Moves the answer's cookie field into `Set-Cookie` (never into the body) and clears a single-use
 * cookie the request carried. Returns the body without the field.
 */
export function applyRouteCookie(
  route: RouteDefinition,
  request: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
): unknown {
  const cookie = route.cookie;
  if (cookie === undefined) return body;
  const headers: string[] = [];
  if (cookie.clearAfterRead && cookiesOf(request).has(cookie.name)) headers.push(setCookie(cookie, "", 0));
  const answer = AnswerSchema.safeParse(body);
  const field = cookie.responseField;
  let rest = body;
  if (field !== undefined && answer.success) {
    const { [field]: value, ...others } = answer.data;
    if (typeof value === "string") headers.push(setCookie(cookie, value, cookie.maxAgeSeconds));
    rest = others;
  }
  if (headers.length > 0) reply.header("set-cookie", headers);
  return rest;
}

/** For `respond: "redirect"` routes: the answer's `Location` (null: answer with the body), and the rest. */
export function redirectOf(
  route: RouteDefinition,
  body: unknown,
): { location: string | null; body: unknown } {
  if (route.respond !== "redirect") return { location: null, body };
  const answer = AnswerSchema.safeParse(body);
  if (!answer.success) return { location: null, body };
  const { location, ...rest } = answer.data;
  return { location: typeof location === "string" ? location : null, body: rest };
}
