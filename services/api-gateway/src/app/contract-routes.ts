import {
  type FieldError,
  fieldErrorsFromZod,
  InternalError,
  type MessageContext,
  type ProjectRole,
  type RouteDefinition,
  TesseraError,
  ValidationError,
} from "@tessera/contracts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { VerifiedCaller } from "../infra/access-tokens.ts";
import type { StoredResponse } from "../infra/idempotency-store.ts";
import { type RevokedSessions, sessionsRevokedBy } from "../infra/revoked-sessions.ts";
import {
  type Execute,
  IDEMPOTENT_REPLAYED_HEADER,
  type IdempotencyDeps,
  type RouteResult,
  withIdempotency,
} from "./idempotency.ts";
import { type RateLimitDeps, rateLimitFor } from "./rate-limit.ts";
import { checkRawRequest, inRawBodyScope, rawBodyOf } from "./raw-body.ts";
import { traceparentOf } from "./request-id.ts";
import { applyRouteCookie, cookieInput, redirectOf } from "./route-cookies.ts";
import { toFastifyPath } from "./route-matcher.ts";
import {
  applyTokenTransport,
  type CookieSettings,
  refreshTokenFromCookie,
  takesRefreshToken,
} from "./token-cookies.ts";
import type { Upstream } from "./upstream.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified caller on authenticated routes; null on public ones. */
    caller: VerifiedCaller | null;
    /** The validated operation input: query, then body, then path parameters. */
    input: Record<string, unknown> | null;
    /** Roles and project role from the access check of admin and project-scoped routes. */
    access: {
      platformRoles: string[];
      projectId: string | undefined;
      projectRole: ProjectRole | null;
    } | null;
    /** The tokens of this request came from cookies, so the answer's tokens go to cookies too. */
    tokensInCookies: boolean;
  }
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface ContractRouteDeps {
  readonly routes: readonly RouteDefinition[];
  readonly upstream: Upstream;
  /** Where the sessions an answer names as revoked are refused from then on. */
  readonly revokedSessions: Pick<RevokedSessions, "markRevoked">;
  /** `onRequest` hook verifying the access token of authenticated routes. */
  readonly authenticate: Hook;
  /** `onRequest` guard of admin and project-scoped routes (undefined for the others). */
  readonly guardFor: (route: RouteDefinition) => Hook | undefined;
  readonly rateLimits: RateLimitDeps;
  readonly idempotency: IdempotencyDeps;
  readonly cookies: CookieSettings;
  /** Body limit for routes that do not set their own, in bytes. */
  readonly bodyLimit: number;
  /** Told about every registered method and path, for 405 answers. */
  readonly onRegister: (method: string, fastifyPath: string) => void;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
}

function parsePart(
  schema: z.ZodType | undefined,
  value: unknown,
  errors: FieldError[],
): Record<string, unknown> | undefined {
  if (schema === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return asRecord(parsed.data);
  errors.push(...fieldErrorsFromZod(parsed.error));
  return undefined;
}

/**
 * `preValidation`: every part the route declares is parsed with its zod schema; all issues are
 * reported at once. A raw route's body is handed over as `raw` instead (unless it came as JSON to
 * a route that takes JSON too).
 */
function validateInput(route: RouteDefinition) {
  const rawOptions = route.rawBody;
  return async function validate(request: FastifyRequest): Promise<void> {
    const errors: FieldError[] = [];
    const query = parsePart(route.request.query, request.query, errors);
    const raw = rawOptions === undefined ? undefined : rawBodyOf(request, rawOptions);
    const body = raw === undefined ? parsePart(route.request.body, request.body, errors) : { raw };
    const params = parsePart(route.request.params, request.params, errors) ?? asRecord(request.params);
    if (errors.length > 0) throw new ValidationError("The request is not valid.", errors);
    // The operation validates the cookie's value with its own request schema.
    request.input = { ...query, ...body, ...params, ...cookieInput(route, request) };
  };
}

/** The verified caller, the checked project and the client, as services receive them. */
export function messageContextOf(request: FastifyRequest): MessageContext {
  const traceparent = traceparentOf(request.headers);
  const { caller, access } = request;
  const roles = access?.platformRoles ?? caller?.roles ?? [];
  return {
    requestId: request.id,
    ...(traceparent ? { traceparent } : {}),
    ...(caller ? { actor: caller.userId, sessionId: caller.sessionId } : {}),
    ...(roles.length > 0 ? { roles } : {}),
    ...(access?.projectId ? { projectId: access.projectId } : {}),
    ...(access?.projectRole ? { projectRole: access.projectRole } : {}),
    clientIp: request.client.ip,
  };
}

/**
 * Calls the route's operation; what leaves the gateway is what the public contract promises. The
 * sessions the operation revoked are refused before the answer goes out, so the client's very next
 * request with one of their tokens is 401 here; other gateways follow `auth`'s bucket.
 */
function execute(
  route: RouteDefinition,
  deps: Pick<ContractRouteDeps, "upstream" | "revokedSessions">,
): Execute {
  // A GET changes nothing, so one that got no reply is sent again (decision 0077); writes never are.
  const send = route.method === "GET" ? deps.upstream.read : deps.upstream;
  return async function call(request: FastifyRequest, timeoutMs: number): Promise<StoredResponse> {
    const data = await send(route.operation, request.input ?? {}, messageContextOf(request), timeoutMs);
    deps.revokedSessions.markRevoked(sessionsRevokedBy(route.operation, data));
    if (route.response === null) return { status: route.successStatus, body: null };
    const body = route.response.safeParse(data);
    if (!body.success) throw new InternalError({ cause: body.error });
    return { status: route.successStatus, body: body.data };
  };
}

/**
 * A browser navigation (`respond: "redirect"`) that failed: its single-use cookie is cleared, and
 * when the service named where the browser should land, that URL with the code as `error`.
 * Undefined: answer problem+json as usual.
 */
function failedNavigationLanding(
  route: RouteDefinition,
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
): string | undefined {
  if (route.respond !== "redirect") return undefined;
  applyRouteCookie(route, request, reply, null);
  if (!(error instanceof TesseraError) || error.location === undefined) return undefined;
  const landing = new URL(error.location);
  landing.searchParams.set("error", error.code);
  return landing.href;
}

/** One Fastify route per contract route: authenticate → rate-limit → guard → parse → validate → dispatch. */
export function registerContractRoutes(app: FastifyInstance, deps: ContractRouteDeps): void {
  for (const route of deps.routes) {
    deps.onRegister(route.method, toFastifyPath(route.path));
    const rawBody = route.rawBody;
    if (rawBody === undefined) registerContractRoute(app, route, deps);
    else inRawBodyScope(app, rawBody, (scope) => registerContractRoute(scope, route, deps));
  }
}

function registerContractRoute(app: FastifyInstance, route: RouteDefinition, deps: ContractRouteDeps): void {
  const rateLimit = rateLimitFor(route, deps.rateLimits);
  // The login limit is also keyed by the account, which is in the body.
  const limitAfterParsing = route.rateClass === "auth-login";
  const guard = deps.guardFor(route);
  const onRequest: Hook[] = [
    ...(route.auth === "public" ? [] : [deps.authenticate]),
    ...(limitAfterParsing ? [] : [rateLimit]),
    ...(guard ? [guard] : []),
    ...(route.rawBody ? [checkRawRequest(route.rawBody)] : []),
  ];
  const preValidation: Hook[] = [
    ...(limitAfterParsing ? [rateLimit] : []),
    ...(takesRefreshToken(route) ? [async (request: FastifyRequest) => refreshTokenFromCookie(request)] : []),
    validateInput(route),
  ];
  const run = withIdempotency(route, deps.idempotency, execute(route, deps));
  app.route({
    method: route.method,
    url: toFastifyPath(route.path),
    bodyLimit: route.bodyLimit ?? deps.bodyLimit,
    onRequest,
    preValidation,
    handler: async (request, reply) => {
      let result: RouteResult;
      try {
        result = await run(request);
      } catch (error) {
        const landing = failedNavigationLanding(route, request, reply, error);
        if (landing === undefined) throw error;
        return reply.code(302).header("location", landing).send();
      }
      reply.code(result.status);
      if (result.replayed) reply.header(IDEMPOTENT_REPLAYED_HEADER, "true");
      const redirect = redirectOf(route, applyRouteCookie(route, request, reply, result.body));
      if (redirect.location !== null) {
        // A browser navigation: tokens in the answer can only travel in cookies.
        request.tokensInCookies = true;
        applyTokenTransport(request, reply, redirect.body, deps.cookies);
        return reply.code(302).header("location", redirect.location).send();
      }
      if (route.respond === "html") return sendHtml(reply, redirect.body);
      const body = applyTokenTransport(request, reply, redirect.body, deps.cookies);
      return body === null ? reply.send() : reply.send(body);
    },
  });
}

/**
 * Pages a person opens from an email (unsubscribe): nothing but the page itself may load or run,
 * it may not be framed, and its forms post only back here.
 */
export const HTML_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const HtmlAnswerSchema = z.object({ html: z.string() });

function sendHtml(reply: FastifyReply, body: unknown) {
  const answer = HtmlAnswerSchema.safeParse(body);
  if (!answer.success) throw new InternalError({ cause: answer.error });
  return reply
    .header("content-type", "text/html; charset=utf-8")
    .header("content-security-policy", HTML_PAGE_CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("cache-control", "no-store")
    .send(answer.data.html);
}
