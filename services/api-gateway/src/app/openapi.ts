import {
  API_VERSION,
  HealthSchema,
  isWriteRoute,
  JwksSchema,
  ProblemSchema,
  ReadinessSchema,
  type RouteDefinition,
} from "@tessera/contracts";
import { z } from "zod";
import { type SchemaComponents, schemaComponents } from "./json-schema.ts";
import { frontEndRedirect, publicBody } from "./openapi-browser-flows.ts";
import { rawHeaderParameters, rawRequestBody } from "./openapi-raw-body.ts";
import { ACCESS_COOKIE, CSRF_HEADER, TOKEN_TRANSPORT_HEADER, takesRefreshToken } from "./token-cookies.ts";

type JsonObject = Record<string, unknown>;

const PROBLEM_REF = { $ref: "#/components/schemas/Problem" };
const problem = (description: string, headers?: JsonObject): JsonObject => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/problem+json": { schema: PROBLEM_REF } },
});

/** The document being built's schema conversion (`$defs` do not resolve inside an OpenAPI document). */
let components: SchemaComponents = schemaComponents();
const jsonSchemaOf = (schema: z.ZodType, io: "input" | "output"): JsonObject => components.of(schema, io);

const intHeader = (description: string) => ({ description, schema: { type: "integer", minimum: 0 } });
const RATE_LIMIT_HEADERS = {
  "RateLimit-Limit": intHeader("Requests allowed in the window."),
  "RateLimit-Remaining": intHeader("Requests left in the window."),
  "RateLimit-Reset": intHeader("Seconds until the full budget is back."),
  "RateLimit-Policy": { description: "`<limit>;w=<window seconds>`.", schema: { type: "string" } },
};
const COMMON_HEADERS = {
  "X-Request-Id": { description: "The request's id (the client's when sane).", schema: { type: "string" } },
  "X-API-Version": { description: "API version.", schema: { type: "string", const: API_VERSION } },
};

/** `auth.login` → `sessionsLogin`: one stable, unique name per route for generated clients. */
function operationIdOf(route: RouteDefinition, taken: Set<string>): string {
  const words = [route.operation.service, ...route.operation.name.split(/[.\-_]/)].flatMap((part) =>
    part.split("-"),
  );
  const base = words.map((word, index) =>
    index === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1),
  );
  let id = base.join("");
  if (taken.has(id)) id = `${id}${route.method.charAt(0)}${route.method.slice(1).toLowerCase()}`;
  taken.add(id);
  return id;
}

function parametersOf(route: RouteDefinition): JsonObject[] {
  const parameters: JsonObject[] = [];
  const pathNames = [...route.path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? "");
  const params = route.request.params ? jsonSchemaOf(route.request.params, "input") : {};
  const paramProps = z.record(z.string(), z.unknown()).catch({}).parse(params.properties);
  for (const name of pathNames) {
    parameters.push({ name, in: "path", required: true, schema: paramProps[name] ?? { type: "string" } });
  }
  if (route.request.query) {
    const query = jsonSchemaOf(route.request.query, "input");
    const props = z.record(z.string(), z.unknown()).catch({}).parse(query.properties);
    const required = z.array(z.string()).catch([]).parse(query.required);
    for (const [name, schema] of Object.entries(props)) {
      parameters.push({ name, in: "query", required: required.includes(name), schema });
    }
  }
  parameters.push(...rawHeaderParameters(route));
  if (route.idempotent) {
    parameters.push({
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description:
        "Repeats with the same key and body return the first response (24 h); another body is 422. After a 504 a retry with the same key is safe: it answers with the first request's outcome.",
      schema: { type: "string", minLength: 1, maxLength: 255 },
    });
  }
  if (route.response instanceof z.ZodObject && "accessToken" in route.response.shape) {
    parameters.push({
      name: "X-Token-Transport",
      in: "header",
      required: false,
      description:
        "`cookie`: tokens are set as HttpOnly cookies (with a CSRF cookie) instead of in the body.",
      schema: { type: "string", enum: ["body", "cookie"] },
    });
  }
  if (route.auth !== "public" && route.method !== "GET") {
    parameters.push({
      name: "X-CSRF-Token",
      in: "header",
      required: false,
      description: "Required when the access token comes from the cookie: the value of the CSRF cookie.",
      schema: { type: "string" },
    });
  }
  return parameters;
}

function responsesOf(route: RouteDefinition): JsonObject {
  const limited = route.rateClass !== "none";
  const successHeaders = {
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
  };
  const body = publicBody(route);
  const responses: JsonObject = {
    ...frontEndRedirect(route),
    [String(route.successStatus)]: {
      description: route.summary,
      headers: route.idempotent
        ? {
            ...successHeaders,
            "Idempotent-Replayed": { description: "`true` on a replay.", schema: { type: "string" } },
          }
        : successHeaders,
      ...(route.respond === "html"
        ? { content: { "text/html": { schema: { type: "string" } } } }
        : body === null
          ? {}
          : { content: { "application/json": { schema: jsonSchemaOf(body, "output") } } }),
    },
    "400": problem("Malformed JSON, too deep nesting, or invalid fields (`errors[]`)."),
  };
  if (route.auth !== "public")
    responses["401"] = problem("Missing, invalid, expired or revoked access token.");
  if (route.auth === "platform-admin" || route.projectRoles || route.auth !== "public") {
    responses["403"] = problem("Not allowed (role, or a failed CSRF check on a cookie session).");
  }
  if (route.projectScoped) responses["404"] = problem("No such project, or the caller is not a member.");
  if (route.idempotent) {
    responses["409"] = problem(
      "A request with this Idempotency-Key is still in progress (`idempotency.in_flight`), or its outcome cannot be told (`idempotency.outcome_unknown`).",
    );
    responses["422"] = problem("This Idempotency-Key was used with another body.");
  }
  if (route.request.body || route.rawBody) {
    responses["413"] = problem("The body is over the route's limit.");
    responses["415"] = problem(
      route.rawBody ? "The body's media type is not one this route takes." : "The body is not JSON.",
    );
  }
  if (limited) {
    responses["429"] = problem("Rate limit exceeded.", {
      ...RATE_LIMIT_HEADERS,
      "Retry-After": intHeader("Seconds to wait."),
    });
  }
  responses["500"] = problem("Unexpected error (details are in the logs under the request id).");
  responses.default = problem("Any other failure a service reports, with its status and stable code.");
  responses["503"] = problem("A service, or the rate limiter on auth routes, is unavailable.");
  responses["504"] = problem(
    isWriteRoute(route)
      ? "A service did not answer in time: whether the change was made is unknown (the detail says how to retry)."
      : "A service did not answer in time.",
  );
  return responses;
}

/** The body as JSON, or a raw route's bytes. */
function requestBodyOf(route: RouteDefinition): JsonObject | undefined {
  const body = route.request.body;
  if (route.rawBody) return rawRequestBody(route.rawBody, body && jsonSchemaOf(body, "input"));
  if (body === undefined) return undefined;
  return {
    required: !takesRefreshToken(route),
    content: { "application/json": { schema: jsonSchemaOf(body, "input") } },
  };
}

function operationOf(route: RouteDefinition, taken: Set<string>): JsonObject {
  const requestBody = requestBodyOf(route);
  return {
    operationId: operationIdOf(route, taken),
    summary: route.summary,
    tags: [route.operation.service],
    ...(route.auth === "public" ? { security: [] } : {}),
    parameters: parametersOf(route),
    ...(requestBody ? { requestBody } : {}),
    responses: responsesOf(route),
    "x-rate-limit-class": route.rateClass,
  };
}

function systemOperation(operationId: string, summary: string, content: JsonObject | null): JsonObject {
  return {
    operationId,
    summary,
    tags: ["gateway"],
    security: [],
    responses: {
      "200": { description: summary, headers: COMMON_HEADERS, ...(content ? { content } : {}) },
    },
  };
}

const json = (schema: z.ZodType) => ({ "application/json": { schema: jsonSchemaOf(schema, "output") } });

/** The OpenAPI 3.1 document of the gateway, generated from the same route table and zod schemas it serves. */
export function buildOpenApiDocument(routes: readonly RouteDefinition[]): JsonObject {
  // Synchronous from here to the end, so the shared definitions are this document's alone.
  components = schemaComponents();
  const paths: Record<string, JsonObject> = {
    "/health": { get: systemOperation("gatewayHealth", "Liveness", json(HealthSchema)) },
    "/ready": {
      get: {
        ...systemOperation(
          "gatewayReady",
          "Readiness of NATS, Redis and every service",
          json(ReadinessSchema),
        ),
        responses: {
          "200": { description: "Ready", content: json(ReadinessSchema) },
          "503": { description: "Not ready; `checks` names what failed", content: json(ReadinessSchema) },
        },
      },
    },
    "/metrics": {
      get: systemOperation("gatewayMetrics", "Prometheus metrics", {
        "text/plain": { schema: { type: "string" } },
      }),
    },
    "/.well-known/jwks.json": {
      get: systemOperation("gatewayJwks", "Public signing keys", json(JwksSchema)),
    },
    "/openapi.json": {
      get: systemOperation("gatewayOpenApi", "This document", {
        "application/json": { schema: { type: "object" } },
      }),
    },
    "/docs": {
      get: systemOperation("gatewayDocs", "This document, rendered", {
        "text/html": { schema: { type: "string" } },
      }),
    },
  };
  const taken = new Set<string>();
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operationOf(route, taken);
    paths[route.path] = item;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Tessera API",
      version: API_VERSION,
      description:
        "Every error is `application/problem+json` (RFC 9457) with a stable `code` and the `requestId`.",
    },
    servers: [{ url: "/" }],
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    paths,
    components: {
      schemas: { Problem: jsonSchemaOf(ProblemSchema, "output"), ...Object.fromEntries(components.shared) },
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
        cookieAuth: {
          type: "apiKey",
          in: "cookie",
          name: ACCESS_COOKIE,
          description: `Browser sessions (\`${TOKEN_TRANSPORT_HEADER}: cookie\`); mutating requests need \`${CSRF_HEADER}\`.`,
        },
      },
    },
  };
}
