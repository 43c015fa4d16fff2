import { defineOperation, defineRoute, RawBodySchema, routes, TokenPairSchema } from "@tessera/contracts";
import { z } from "zod";

/** Operations that exist only in these tests, to exercise parameters, 204s and silent services. */
export const getItem = defineOperation({
  service: "memory",
  name: "test.item.get",
  request: z.strictObject({ itemId: z.uuid(), limit: z.number().int().optional() }),
  response: z.object({ itemId: z.uuid(), limit: z.number().int().nullable() }),
});

export const deleteItem = defineOperation({
  service: "memory",
  name: "test.item.delete",
  request: z.strictObject({ itemId: z.uuid() }),
  response: z.null(),
});

/** Subscribed by a responder that never answers. */
export const neverAnswers = defineOperation({
  service: "memory",
  name: "test.never",
  request: z.strictObject({}),
  response: z.object({}),
});

/** Answers with data the route's public response schema refuses: a contract bug the gateway must contain. */
export const brokenReply = defineOperation({
  service: "memory",
  name: "test.broken",
  request: z.strictObject({}),
  response: z.object({ value: z.string() }),
});

/** Creates a thing; the fake service counts how many it created, slowly enough to overlap. */
export const createThing = defineOperation({
  service: "memory",
  name: "test.thing.create",
  request: z.strictObject({ name: z.string().max(100) }),
  response: z.object({ id: z.uuid(), name: z.string() }),
});

/** Creates a thing when the test lets it: a write whose reply may come after the gateway's time-out. */
export const createSlowThing = defineOperation({
  service: "memory",
  name: "test.slow-thing.create",
  request: z.strictObject({ name: z.string().max(100) }),
  response: z.object({ id: z.uuid(), name: z.string() }),
});

/** Reads inside a project; the fake service echoes the context it received. */
export const projectEcho = defineOperation({
  service: "memory",
  name: "test.project.echo",
  request: z.strictObject({ projectId: z.uuid() }),
  response: z.object({ projectId: z.uuid(), projectRole: z.string().nullable() }),
});

export const adminEcho = defineOperation({
  service: "job-scheduler",
  name: "test.admin.echo",
  request: z.strictObject({}),
  response: z.object({ ok: z.literal(true) }),
});

/** Stand-ins for auth's refresh and logout, which take `{ refreshToken }`. */
export const refreshTokens = defineOperation({
  service: "auth",
  name: "test.refresh",
  request: z.strictObject({ refreshToken: z.string().min(1).max(512) }),
  response: TokenPairSchema,
});

export const endSession = defineOperation({
  service: "auth",
  name: "test.logout",
  request: z.strictObject({ refreshToken: z.string().min(1).max(512) }),
  response: z.null(),
});

/** Echoes what it was handed: the raw body beside a path parameter. */
export const rawEcho = defineOperation({
  service: "memory",
  name: "test.raw.echo",
  request: z.strictObject({ itemId: z.uuid(), raw: RawBodySchema }),
  response: z.object({ itemId: z.uuid(), raw: RawBodySchema }),
});

/** Echoes a body that came either as JSON (validated as the route's) or as bytes. */
export const rawOrJsonEcho = defineOperation({
  service: "memory",
  name: "test.raw-or-json.echo",
  request: z.strictObject({ raw: RawBodySchema.optional(), name: z.string().min(1).max(100).optional() }),
  response: z.object({ raw: RawBodySchema.nullable(), name: z.string().nullable() }),
});

/** Body limit of the raw echo route, in bytes: room for a body too large for one NATS message. */
export const RAW_ECHO_BODY_LIMIT = 4 * 1024 * 1024;

const rawRoutes = [
  defineRoute({
    method: "POST",
    path: "/v1/test/raw/{itemId}",
    summary: "Echo the exact body",
    operation: rawEcho,
    auth: "public",
    rateClass: "write",
    successStatus: 200,
    bodyLimit: RAW_ECHO_BODY_LIMIT,
    rawBody: {
      contentTypes: ["application/json", "text/plain"],
      headers: ["webhook-id", "Webhook-Signature"],
    },
    request: { params: z.object({ itemId: z.uuid() }) },
    response: rawEcho.response,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/test/raw-any",
    summary: "Echo a body of any type, or none",
    operation: rawOrJsonEcho,
    auth: "public",
    rateClass: "write",
    successStatus: 200,
    rawBody: { contentTypes: "any" },
    response: rawOrJsonEcho.response,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/test/raw-or-json",
    summary: "Echo a Markdown body, or a JSON one validated",
    operation: rawOrJsonEcho,
    auth: "public",
    rateClass: "write",
    successStatus: 200,
    rawBody: { contentTypes: ["text/markdown"], jsonAlternative: true },
    request: { body: z.strictObject({ name: z.string().min(1).max(100) }) },
    response: rawOrJsonEcho.response,
  }),
];

export const testRoutes = [
  ...rawRoutes,
  defineRoute({
    method: "POST",
    path: "/v1/test/things",
    summary: "Create a thing",
    operation: createThing,
    auth: "public",
    rateClass: "write",
    idempotent: true,
    successStatus: 201,
    bodyLimit: 256,
    request: { body: createThing.request },
    response: createThing.response,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/test/slow-things",
    summary: "Create a thing, maybe after the time-out",
    operation: createSlowThing,
    auth: "public",
    rateClass: "write",
    successStatus: 201,
    request: { body: createSlowThing.request },
    response: createSlowThing.response,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/test/projects/{projectId}/echo",
    summary: "Echo inside a project",
    operation: projectEcho,
    auth: "bearer",
    projectScoped: true,
    rateClass: "read",
    successStatus: 200,
    response: projectEcho.response,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/test/projects/{projectId}/echo",
    summary: "Echo for project owners and admins",
    operation: projectEcho,
    auth: "bearer",
    projectScoped: true,
    projectRoles: ["owner", "admin"],
    rateClass: "write",
    successStatus: 200,
    response: projectEcho.response,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/test/admin/echo",
    summary: "Echo for platform admins",
    operation: adminEcho,
    auth: "platform-admin",
    rateClass: "read",
    successStatus: 200,
    response: adminEcho.response,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/auth/test-refresh",
    summary: "Refresh (test stand-in)",
    operation: refreshTokens,
    auth: "public",
    rateClass: "auth-recover",
    successStatus: 200,
    request: { body: refreshTokens.request },
    response: TokenPairSchema,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/auth/test-logout",
    summary: "Logout (test stand-in)",
    operation: endSession,
    auth: "bearer",
    rateClass: "write",
    successStatus: 204,
    request: { body: endSession.request },
    response: null,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/test/items/{itemId}",
    summary: "One item",
    operation: getItem,
    auth: "public",
    rateClass: "read",
    successStatus: 200,
    request: {
      params: z.object({ itemId: z.uuid() }),
      query: z.object({ limit: z.coerce.number().int().min(1).max(200).optional() }),
    },
    response: getItem.response,
  }),
  defineRoute({
    method: "DELETE",
    path: "/v1/test/items/{itemId}",
    summary: "Delete an item",
    operation: deleteItem,
    auth: "public",
    rateClass: "write",
    successStatus: 204,
    request: { params: z.object({ itemId: z.uuid() }) },
    response: null,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/test/never",
    summary: "A service that never answers",
    operation: neverAnswers,
    auth: "public",
    rateClass: "read",
    successStatus: 200,
    response: neverAnswers.response,
  }),
  defineRoute({
    method: "POST",
    path: "/v1/test/never",
    summary: "A write the service never answers",
    operation: neverAnswers,
    auth: "public",
    rateClass: "write",
    successStatus: 200,
    response: neverAnswers.response,
  }),
  defineRoute({
    method: "GET",
    path: "/v1/test/broken",
    summary: "A reply that breaks the public contract",
    operation: brokenReply,
    auth: "public",
    rateClass: "read",
    successStatus: 200,
    response: z.object({ value: z.number() }),
  }),
];

/** The public contract plus the test-only routes. */
export const gatewayRoutes = [...routes, ...testRoutes];
