import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Validator } from "@seriousme/openapi-schema-validator";
import { routes } from "@tessera/contracts";
import { testNamespace } from "@tessera/testing";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCS_CSP } from "../src/app/docs-routes.ts";
import { toFastifyPath } from "../src/app/route-matcher.ts";
import { type Harness, startHarness, VALID_PASSWORD } from "./support/platform.ts";
import { gatewayRoutes } from "./support/test-routes.ts";
import { createSigningKey, signAccessToken } from "./support/tokens.ts";

let harness: Harness;
// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is walked as plain JSON.
let document: any;

beforeAll(async () => {
  harness = await startHarness(testNamespace("gwoas"), gatewayRoutes);
  document = (await harness.app.inject({ url: "/openapi.json" })).json();
});

afterAll(async () => {
  await harness?.close();
});

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/**
 * The public contract: the shared copy beside the checkout when it is there (the source of truth),
 * else the snapshot committed in docs/contract, so a lone clone still runs this test.
 */
const API_MD = [
  join(REPO_ROOT, "..", "shared", "API.md"),
  join(REPO_ROOT, "docs", "contract", "API.md"),
].find((path) => existsSync(path))!;

/** `| POST/GET | \`/a/{b}\`, \`/c\` | …` rows → method and path pairs; `{x|y}` segments become literals. */
function apiMdRoutes(): { method: string; path: string }[] {
  const found: { method: string; path: string }[] = [];
  for (const line of readFileSync(API_MD, "utf8").split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    const [, methods = "", paths = ""] = cells;
    if (!/^(GET|POST|PUT|PATCH|DELETE)(\/(GET|POST|PUT|PATCH|DELETE))*$/.test(methods)) continue;
    for (const [, path = ""] of paths.matchAll(/`([^`]+)`/g)) {
      const choice = /\{([a-z]+(?:\|[a-z]+)+)\}/.exec(path);
      const expanded = choice
        ? (choice[1] ?? "").split("|").map((word) => path.replace(choice[0], word))
        : [path];
      for (const method of methods.split("/")) for (const one of expanded) found.push({ method, path: one });
    }
  }
  return found;
}

/** An API.md path matches a served one when literals agree; a parameter on either side matches anything. */
function samePath(apiPath: string, served: string): boolean {
  const left = apiPath.split("/");
  const right = served.split("/");
  return (
    left.length === right.length &&
    left.every((segment, index) => {
      const other = right[index] ?? "";
      return segment === other || segment.startsWith("{") || other.startsWith("{");
    })
  );
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document by a real validator", async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
  });

  it("has a unique operationId, problem responses and rate-limit headers for every route", () => {
    const ids: string[] = [];
    for (const route of gatewayRoutes) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      ids.push(operation.operationId);
      expect(operation.responses["500"].content["application/problem+json"].schema.$ref).toBe(
        "#/components/schemas/Problem",
      );
      if (route.rateClass !== "none") {
        expect(Object.keys(operation.responses[String(route.successStatus)].headers)).toContain(
          "RateLimit-Remaining",
        );
        expect(Object.keys(operation.responses["429"].headers)).toContain("Retry-After");
      }
      if (route.auth === "public") expect(operation.security).toEqual([]);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(["bearerAuth", "cookieAuth"]);
  });

  it("covers every API.md route the gateway serves, and reports the ones no service has yet", () => {
    const served = [
      ...["/health", "/ready", "/metrics", "/openapi.json", "/docs", "/.well-known/jwks.json"].map(
        (path) => ({
          method: "GET",
          path,
        }),
      ),
      ...routes.map((route) => ({ method: route.method, path: route.path })),
    ];
    const missing: string[] = [];
    for (const wanted of apiMdRoutes()) {
      const matches = served.filter(
        (route) => route.method === wanted.method && samePath(wanted.path, route.path),
      );
      if (matches.length === 0) {
        missing.push(`${wanted.method} ${wanted.path}`);
        continue;
      }
      for (const match of matches) {
        expect(
          document.paths[match.path]?.[match.method.toLowerCase()],
          `${match.method} ${match.path}`,
        ).toBeDefined();
      }
    }
    console.info(
      `API.md routes not implemented by any service yet (${missing.length}):\n  ${missing.join("\n  ")}`,
    );
    expect(apiMdRoutes().length).toBeGreaterThan(40);
  });
});

describe("responses against the document", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });

  function schemaFor(path: string, method: string, status: number): object {
    const responses = document.paths[path][method].responses;
    const response = responses[String(status)] ?? responses.default;
    const content = response.content["application/json"] ?? response.content["application/problem+json"];
    const schema = content.schema.$ref ? document.components.schemas.Problem : content.schema;
    return schema;
  }

  async function expectConforms(path: string, method: string, request: InjectOptions) {
    const response = await harness.app.inject(request);
    const validate = ajv.compile(schemaFor(path, method, response.statusCode));
    expect(validate(response.json()), JSON.stringify(validate.errors)).toBe(true);
    return response;
  }

  it("matches for successes and problems alike", async () => {
    const key = await createSigningKey();
    await harness.publishKeys([key]);
    const json = { "content-type": "application/json" };
    const login = { method: "POST" as const, url: "/v1/auth/login", headers: json };
    expect(
      (
        await expectConforms("/v1/auth/login", "post", {
          ...login,
          payload: { email: "a@example.com", password: VALID_PASSWORD },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await expectConforms("/v1/auth/login", "post", {
          ...login,
          payload: { email: "a@example.com", password: "wrong password" },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (await expectConforms("/v1/auth/login", "post", { ...login, payload: { email: 1 } })).statusCode,
    ).toBe(400);
    const token = await signAccessToken(key);
    expect(
      (
        await expectConforms("/v1/users/me", "get", {
          url: "/v1/users/me",
          headers: { authorization: `Bearer ${token}` },
        })
      ).statusCode,
    ).toBe(200);
    expect((await expectConforms("/health", "get", { url: "/health" })).statusCode).toBe(200);
  });

  it("catches a response that drifts from the schema", () => {
    const validate = ajv.compile(schemaFor("/v1/users/me", "get", 200));
    expect(validate({ id: "not a uuid", email: "a@example.com" })).toBe(false);
  });
});

describe("/docs", () => {
  it("renders the document with its own script and style under a strict CSP", async () => {
    const page = await harness.app.inject({ url: "/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toBe(DOCS_CSP);
    expect(DOCS_CSP).toContain("script-src 'self'");
    expect(DOCS_CSP).not.toMatch(/unsafe|https?:/);
    expect(page.body).not.toMatch(/<script>|https?:\/\//);
    for (const [, asset = ""] of page.body.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)) {
      const file = await harness.app.inject({ url: asset });
      expect(file.statusCode, asset).toBe(200);
      expect(file.headers["content-security-policy"]).toBe(DOCS_CSP);
    }
    expect((await harness.app.inject({ url: "/docs/docs.js" })).body).toContain("/openapi.json");
    expect(toFastifyPath("/docs")).toBe("/docs");
  });
});
