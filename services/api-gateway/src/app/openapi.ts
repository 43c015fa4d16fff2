import {
  API_VERSION,
  HealthSchema,
  JwksSchema,
  ProblemSchema,
  ReadinessSchema,
  type RouteDefinition,
} from "@tessera/contracts";
import { z } from "zod";
import { type SchemaComponents, schemaComponents } from "./json-schema.ts";
import { rawHeaderParameters, rawRequestBody } from "./openapi-raw-body.ts";
import { COMMON_HEADERS, carriesTokens, problem, responsesOf } from "./openapi-responses.ts";
import { ACCESS_COOKIE, CSRF_HEADER, TOKEN_TRANSPORT_HEADER, takesRefreshToken } from "./token-cookies.ts";

type JsonObject = Record<string, unknown>;

/** The document being built's schema conversion (`$defs` do not resolve inside an OpenAPI document). */
let components: SchemaComponents = schemaComponents();
const jsonSchemaOf = (schema: z.ZodType, io: "input" | "output"): JsonObject => components.of(schema, io);

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
  const params = route.request.params ? components.inline(route.request.params, "input") : {};
  const paramProps = z.record(z.string(), z.unknown()).catch({}).parse(params.properties);
  for (const name of pathNames) {
    parameters.push({ name, in: "path", required: true, schema: paramProps[name] ?? { type: "string" } });
  }
  if (route.request.query) {
    const query = components.inline(route.request.query, "input");
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
  if (carriesTokens(route)) {
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
    responses: responsesOf(route, components),
    "x-rate-limit-class": route.rateClass,
  };
}

/** What the HTTP edge answers before any route, so on these too. */
const SYSTEM_PROBLEMS = {
  "400": problem("A `Host` outside the trusted hosts (`request.untrusted_host`), or a malformed URL."),
  "414": problem("The URL is longer than the gateway reads (`request.uri_too_long`)."),
};

function systemOperation(operationId: string, summary: string, content: JsonObject | null): JsonObject {
  return {
    operationId,
    summary,
    tags: ["gateway"],
    security: [],
    responses: {
      "200": { description: summary, headers: COMMON_HEADERS, ...(content ? { content } : {}) },
      ...SYSTEM_PROBLEMS,
    },
  };
}

const json = (schema: z.ZodType) => ({ "application/json": { schema: jsonSchemaOf(schema, "output") } });

/** What each tag (the service behind a route) is about. */
const TAG_DESCRIPTIONS: Readonly<Record<string, string>> = {
  gateway: "The gateway's own endpoints: health, readiness, metrics, keys and these documents.",
  auth: "Accounts, sign-in (password and OAuth), sessions and their tokens, password recovery.",
  user: "Profiles, projects, their members and invitations.",
  memory: "A project's memories, their search and history, and collections.",
  ingestion: "Sources (webhooks, Chatwoot, uploads), inbound hooks, documents and their chunks.",
  outbound: "Contacts, webhook endpoints, and outbound messages with their approval flow.",
  "job-scheduler": "Platform admin: job types, runs and schedules.",
};

const text = (type: string) => ({ [type]: { schema: { type: "string" } } });

/** The OpenAPI 3.1 document of the gateway, generated from the same route table and zod schemas it serves. */
export function buildOpenApiDocument(routes: readonly RouteDefinition[]): JsonObject {
  // Synchronous from here to the end, so the shared definitions are this document's alone.
  components = schemaComponents();
  jsonSchemaOf(ProblemSchema, "output");
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
          ...SYSTEM_PROBLEMS,
        },
      },
    },
    "/metrics": { get: systemOperation("gatewayMetrics", "Prometheus metrics", text("text/plain")) },
    "/.well-known/jwks.json": {
      get: systemOperation("gatewayJwks", "Public signing keys", json(JwksSchema)),
    },
    "/openapi.json": {
      get: systemOperation("gatewayOpenApi", "This document", {
        "application/json": { schema: { type: "object" } },
      }),
    },
    "/docs": { get: systemOperation("gatewayDocs", "This document, rendered", text("text/html")) },
    "/asyncapi.json": {
      get: systemOperation("gatewayAsyncApi", "The AsyncAPI 3 catalog of the bus's events and operations", {
        "application/json": { schema: { type: "object" } },
      }),
    },
    "/asyncapi": {
      get: systemOperation("gatewayAsyncApiDocs", "The AsyncAPI catalog, rendered", text("text/html")),
    },
  };
  const taken = new Set<string>();
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase()] = operationOf(route, taken);
    paths[route.path] = item;
  }
  const services = [...new Set(routes.map((route) => route.operation.service))];
  const document = {
    openapi: "3.1.0",
    info: {
      title: "Tessera API",
      version: API_VERSION,
      description:
        "Every error is `application/problem+json` (RFC 9457) with a stable `code` and the `requestId`.",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
    },
    servers: [{ url: "/" }],
    security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    tags: ["gateway", ...services].map((name) => ({
      name,
      description: TAG_DESCRIPTIONS[name] ?? `The ${name} service.`,
    })),
    paths,
    components: {
      schemas: Object.fromEntries(components.shared),
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
  return components.settle(document);
}
