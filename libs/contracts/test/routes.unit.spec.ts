import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineOperation, defineRoute, isWriteRoute, type RouteDefinition, routes } from "../src/index.ts";

const named = (route: RouteDefinition) => `${route.method} ${route.path}`;

const operation = defineOperation({
  service: "memory",
  name: "test.route.defaults",
  request: z.object({}),
  response: z.null(),
});
const base = {
  path: "/v1/test",
  summary: "test",
  operation,
  auth: "public",
  successStatus: 204,
  response: null,
} as const;

describe("route defaults", () => {
  it("lets every write route of the contract take an Idempotency-Key", () => {
    const writes = routes.filter(isWriteRoute);
    expect(writes.length).toBeGreaterThan(20);
    expect(writes.filter((route) => !route.idempotent).map(named)).toEqual([]);
  });

  it("keeps reads without keys, a search sent as POST included", () => {
    expect(routes.filter((route) => !isWriteRoute(route) && route.idempotent).map(named)).toEqual([]);
    const search = routes.find((route) => route.path === "/v1/projects/{projectId}/memories/search");
    expect(search && isWriteRoute(search)).toBe(false);
  });

  it("makes POST, PUT, PATCH and DELETE idempotent unless a route opts out", () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"] as const) {
      expect(defineRoute({ ...base, method, rateClass: "write" }).idempotent, method).toBe(true);
    }
    expect(defineRoute({ ...base, method: "GET", rateClass: "read" }).idempotent).toBe(false);
    expect(defineRoute({ ...base, method: "POST", rateClass: "write", idempotent: false }).idempotent).toBe(
      false,
    );
  });
});

describe("raw-body routes", () => {
  const raw = { contentTypes: ["text/plain"] } as const;

  it("are refused where they are declared when they could not work", () => {
    expect(() => defineRoute({ ...base, method: "GET", rateClass: "read", rawBody: raw })).toThrow(/GET/);
    expect(() =>
      defineRoute({
        ...base,
        method: "POST",
        rateClass: "write",
        rawBody: { ...raw, jsonAlternative: true },
      }),
    ).toThrow(/jsonAlternative needs request.body/);
    expect(() =>
      defineRoute({
        ...base,
        method: "POST",
        rateClass: "write",
        rawBody: raw,
        request: { body: z.object({ name: z.string() }) },
      }),
    ).toThrow(/no JSON schema/);
    expect(() =>
      defineRoute({ ...base, method: "POST", rateClass: "write", rawBody: { contentTypes: [] } }),
    ).toThrow(/empty/);
  });

  it("keep a well-formed declaration as given", () => {
    const route = defineRoute({ ...base, method: "POST", rateClass: "write", rawBody: raw });
    expect(route.rawBody).toEqual(raw);
    expect(route.idempotent).toBe(true);
  });
});
