import { defineOperation, defineRoute, routes } from "@tessera/contracts";
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

export const testRoutes = [
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
