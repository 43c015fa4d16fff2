import { API_VERSION, isWriteRoute, type RouteDefinition, TokenPairSchema } from "@tessera/contracts";
import { z } from "zod";
import type { SchemaComponents } from "./json-schema.ts";
import { frontEndRedirect, publicBody } from "./openapi-browser-flows.ts";
import { ACCESS_COOKIE, CSRF_COOKIE, REFRESH_COOKIE, TOKEN_TRANSPORT_HEADER } from "./token-cookies.ts";

type JsonObject = Record<string, unknown>;

const PROBLEM_REF = { $ref: "#/components/schemas/Problem" };
export const problem = (description: string, headers?: JsonObject): JsonObject => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/problem+json": { schema: PROBLEM_REF } },
});

const intHeader = (description: string) => ({ description, schema: { type: "integer", minimum: 0 } });
const RATE_LIMIT_HEADERS = {
  "RateLimit-Limit": intHeader("Requests allowed in the window."),
  "RateLimit-Remaining": intHeader("Requests left in the window."),
  "RateLimit-Reset": intHeader("Seconds until the full budget is back."),
  "RateLimit-Policy": { description: "`<limit>;w=<window seconds>`.", schema: { type: "string" } },
};
export const COMMON_HEADERS = {
  "X-Request-Id": { description: "The request's id (the client's when sane).", schema: { type: "string" } },
  "X-API-Version": { description: "API version.", schema: { type: "string", const: API_VERSION } },
};

/** A token-pair answer in cookie mode: the tokens went into cookies, the rest stays in the body. */
const CookieSessionSchema = TokenPairSchema.omit({ accessToken: true, refreshToken: true }).meta({
  id: "CookieSession",
  description: `The answer with \`${TOKEN_TRANSPORT_HEADER}: cookie\` (or a refresh token sent in its cookie): the tokens are in cookies.`,
});

export const carriesTokens = (route: RouteDefinition): boolean =>
  route.response instanceof z.ZodObject && "accessToken" in route.response.shape;

const TOKEN_COOKIES_HEADER = {
  "Set-Cookie": {
    description: `Cookie mode only: \`${ACCESS_COOKIE}\` and \`${REFRESH_COOKIE}\` (HttpOnly, Secure, SameSite=Lax) hold the tokens; \`${CSRF_COOKIE}\` (readable by the page) is the value to send as \`X-CSRF-Token\`.`,
    schema: { type: "string" },
  },
};

/** Failures every route can meet, after its own: what the gateway answers before or instead of a service. */
const GATEWAY_PROBLEMS: Readonly<Record<number, string>> = {
  400: "Malformed JSON, too deep nesting, or invalid fields (`errors[]`).",
  401: "Missing, invalid, expired or revoked access token.",
  403: "Not allowed (role, or a failed CSRF check on a cookie session).",
  404: "No such project, or the caller is not a member.",
  409: "A request with this Idempotency-Key is still in progress (`idempotency.in_flight`), or its outcome cannot be told (`idempotency.outcome_unknown`).",
  413: "The body is over the route's limit.",
  422: "This Idempotency-Key was used with another body.",
};

/** The statuses a route's own operation answers, each with its codes, merged with the gateway's reason. */
function ownProblems(route: RouteDefinition, gateway: Record<string, string>): JsonObject {
  const out: JsonObject = {};
  const statuses = new Set([...Object.keys(gateway), ...Object.keys(route.problems ?? {})]);
  for (const status of [...statuses].sort()) {
    const codes = route.problems?.[Number(status)] ?? [];
    const own =
      codes.length === 0 ? [] : [`The service answers ${codes.map((code) => `\`${code}\``).join(", ")}.`];
    const reasons = [...(gateway[status] ? [gateway[status]] : []), ...own];
    out[status] = problem(reasons.join(" "));
  }
  return out;
}

function successOf(route: RouteDefinition, components: SchemaComponents): JsonObject {
  const limited = route.rateClass !== "none";
  const headers = {
    ...COMMON_HEADERS,
    ...(limited ? RATE_LIMIT_HEADERS : {}),
    ...(route.respond === "redirect" && route.successStatus === 302
      ? {
          Location: {
            description: "Where the browser goes next.",
            schema: { type: "string", format: "uri" },
          },
        }
      : {}),
    ...(route.cookie?.responseField
      ? {
          "Set-Cookie": {
            description: `\`${route.cookie.name}\` (HttpOnly, Secure, SameSite=Lax): binds the flow to this browser.`,
            schema: { type: "string" },
          },
        }
      : {}),
    ...(carriesTokens(route) ? TOKEN_COOKIES_HEADER : {}),
    ...(route.idempotent
      ? { "Idempotent-Replayed": { description: "`true` on a replay.", schema: { type: "string" } } }
      : {}),
  };
  const body = publicBody(route);
  const schema =
    body === null
      ? null
      : carriesTokens(route) && body === TokenPairSchema
        ? { oneOf: [components.of(body, "output"), components.of(CookieSessionSchema, "output")] }
        : components.of(body, "output");
  return {
    description: route.summary,
    headers,
    ...(route.respond === "html"
      ? { content: { "text/html": { schema: { type: "string" } } } }
      : schema === null
        ? {}
        : { content: { "application/json": { schema } } }),
  };
}

/** Every status the route answers: its success, its operation's problems and the gateway's. */
export function responsesOf(route: RouteDefinition, components: SchemaComponents): JsonObject {
  const limited = route.rateClass !== "none";
  const gateway: Record<string, string> = { "400": GATEWAY_PROBLEMS[400] ?? "" };
  if (route.auth !== "public") {
    gateway["401"] = GATEWAY_PROBLEMS[401] ?? "";
    gateway["403"] = GATEWAY_PROBLEMS[403] ?? "";
  }
  if (route.projectScoped) gateway["404"] = GATEWAY_PROBLEMS[404] ?? "";
  if (route.idempotent) {
    gateway["409"] = GATEWAY_PROBLEMS[409] ?? "";
    gateway["422"] = GATEWAY_PROBLEMS[422] ?? "";
  }
  if (route.request.body || route.rawBody) {
    gateway["413"] = GATEWAY_PROBLEMS[413] ?? "";
    gateway["415"] = route.rawBody
      ? "The body's media type is not one this route takes."
      : "The body is not JSON.";
  }
  const responses: JsonObject = {
    ...frontEndRedirect(route),
    [String(route.successStatus)]: successOf(route, components),
    ...ownProblems(route, gateway),
  };
  if (limited) {
    responses["429"] = problem(
      [
        "Rate limit exceeded.",
        ...(route.problems?.[429] ?? []).map((code) => `The service answers \`${code}\`.`),
      ].join(" "),
      { ...RATE_LIMIT_HEADERS, "Retry-After": intHeader("Seconds to wait.") },
    );
  }
  responses["500"] = problem("Unexpected error (details are in the logs under the request id).");
  responses["503"] = problem(
    [
      "A service, or the rate limiter on auth routes, is unavailable.",
      ...(route.problems?.[503] ?? []).map((code) => `The service answers \`${code}\`.`),
    ].join(" "),
  );
  responses["504"] = problem(
    isWriteRoute(route)
      ? "A service did not answer in time: whether the change was made is unknown (the detail says how to retry)."
      : "A service did not answer in time.",
  );
  responses.default = problem("Any other failure a service reports, with its status and stable code.");
  return responses;
}
