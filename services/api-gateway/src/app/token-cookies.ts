import { randomBytes, timingSafeEqual } from "node:crypto";
import { CsrfTokenError, type RouteDefinition } from "@tessera/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";

/** The access token for browsers: sent to every path, never readable by scripts. */
export const ACCESS_COOKIE = "__Host-access";
/** The refresh token: only ever sent to `/v1/auth` (refresh, logout). */
export const REFRESH_COOKIE = "__Secure-refresh";
/** The CSRF double-submit token: readable by the page's scripts, echoed in `X-CSRF-Token`. */
export const CSRF_COOKIE = "__Host-csrf";
export const CSRF_HEADER = "x-csrf-token";
/** `X-Token-Transport: cookie` on login, register or refresh asks for cookies instead of body tokens. */
export const TOKEN_TRANSPORT_HEADER = "x-token-transport";
const REFRESH_COOKIE_PATH = "/v1/auth";

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** `Cookie` header → name/value map; the first occurrence of a name wins (RFC 6265 §5.4 order). */
export function cookiesOf(request: FastifyRequest): ReadonlyMap<string, string> {
  const cookies = new Map<string, string>();
  const header = request.headers.cookie;
  if (typeof header !== "string" || header.length > 8_192) return cookies;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator <= 0) continue;
    const name = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (!cookies.has(name) && /^[A-Za-z0-9._~+/=-]{1,4096}$/.test(value)) cookies.set(name, value);
  }
  return cookies;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Double-submit check for a request that a cookie authenticated: a mutating method must carry
 * `X-CSRF-Token` equal to the CSRF cookie, which another site can neither read nor set (`__Host-`).
 */
export function requireCsrfToken(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return;
  const expected = cookiesOf(request).get(CSRF_COOKIE);
  const offered = request.headers[CSRF_HEADER];
  if (expected === undefined || typeof offered !== "string" || !sameSecret(offered, expected)) {
    throw new CsrfTokenError();
  }
}

/** Whether a route's body takes `{ refreshToken }` (refresh, logout), so the cookie can stand in for it. */
export function takesRefreshToken(route: RouteDefinition): boolean {
  const body = route.request.body;
  return body instanceof z.ZodObject && "refreshToken" in body.shape;
}

/**
 * `preValidation` of routes taking a refresh token: a body without one gets the refresh cookie's
 * (CSRF-checked, since the browser sent the cookie on its own), and the answer will use cookies too.
 */
export function refreshTokenFromCookie(request: FastifyRequest): void {
  const body = request.body ?? {};
  if (typeof body !== "object" || body === null || Array.isArray(body) || "refreshToken" in body) return;
  const refreshToken = cookiesOf(request).get(REFRESH_COOKIE);
  if (refreshToken === undefined) return;
  requireCsrfToken(request);
  request.body = { ...body, refreshToken };
  request.tokensInCookies = true;
}

const TokenBodySchema = z.looseObject({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number().optional(),
});

function cookie(name: string, value: string, attributes: string[]): string {
  return [`${name}=${value}`, ...attributes].join("; ");
}

export interface CookieSettings {
  /** `Max-Age` of the refresh cookie, in seconds. */
  readonly refreshMaxAgeSeconds: number;
}

/**
 * Moves the tokens of a token-pair response into cookies when the client asked for cookies (or sent
 * its refresh token in one), and clears them when a cookie session ends (a 204 such as logout).
 * Returns the body to send.
 */
export function applyTokenTransport(
  request: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
  settings: CookieSettings,
): unknown {
  const wantsCookies =
    request.tokensInCookies || request.headers[TOKEN_TRANSPORT_HEADER]?.toString().toLowerCase() === "cookie";
  if (!wantsCookies) return body;
  const tokens = TokenBodySchema.safeParse(body);
  if (!tokens.success) {
    if (body === null && request.tokensInCookies) reply.header("set-cookie", expiredCookies());
    return body;
  }
  const { accessToken, refreshToken, ...rest } = tokens.data;
  const csrf = randomBytes(32).toString("base64url");
  const accessMaxAge = String(tokens.data.expiresIn ?? 900);
  reply.header("set-cookie", [
    cookie(ACCESS_COOKIE, accessToken, [
      "Path=/",
      `Max-Age=${accessMaxAge}`,
      "HttpOnly",
      "Secure",
      "SameSite=Lax",
    ]),
    cookie(REFRESH_COOKIE, refreshToken, [
      `Path=${REFRESH_COOKIE_PATH}`,
      `Max-Age=${settings.refreshMaxAgeSeconds}`,
      "HttpOnly",
      "Secure",
      "SameSite=Lax",
    ]),
    cookie(CSRF_COOKIE, csrf, [
      "Path=/",
      `Max-Age=${settings.refreshMaxAgeSeconds}`,
      "Secure",
      "SameSite=Lax",
    ]),
  ]);
  return rest;
}

function expiredCookies(): string[] {
  const gone = ["Max-Age=0", "Secure", "SameSite=Lax"];
  return [
    cookie(ACCESS_COOKIE, "", ["Path=/", ...gone, "HttpOnly"]),
    cookie(REFRESH_COOKIE, "", [`Path=${REFRESH_COOKIE_PATH}`, ...gone, "HttpOnly"]),
    cookie(CSRF_COOKIE, "", ["Path=/", ...gone]),
  ];
}
