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
import { CATALOG_PATH } from "../src/write-catalog.ts";
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

const METHOD = /^(GET|POST|PUT|PATCH|DELETE)$/;

/** A table row's cells: `|` splits them except inside backticks, and `\|` is a literal `|`. */
function cellsOf(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let inCode = false;
  for (let index = 0; index < line.length; index++) {
    const char = line.charAt(index);
    if (char === "\\" && line.charAt(index + 1) === "|") {
      cell += "|";
      index++;
    } else if (char === "|" && !inCode) {
      cells.push(cell.trim());
      cell = "";
    } else {
      if (char === "`") inCode = !inCode;
      cell += char;
    }
  }
  cells.push(cell.trim());
  return cells;
}

/** `…/documents/{id}` beside `/v1/projects/{projectId}/documents`: the row's path up to `documents`. */
function resolvePath(path: string, base: string | undefined): string {
  if (!path.startsWith("…")) return path;
  const rest = path.slice(1);
  const segments = (base ?? "").split("/");
  const at = segments.indexOf(rest.split("/")[1] ?? "");
  if (at < 0) throw new Error(`API.md: cannot tell what ${path} stands for beside ${base}`);
  return `${segments.slice(0, at).join("/")}${rest}`;
}

/** `{accept|decline}` segments become one path per word. */
function expandChoices(path: string): string[] {
  const choice = /\{([a-z]+(?:\|[a-z]+)+)\}/.exec(path);
  return choice ? (choice[1] ?? "").split("|").map((word) => path.replace(choice[0], word)) : [path];
}

/**
 * Every `METHOD path` that API.md's operation rows promise: each method (`GET / PATCH / DELETE`,
 * `POST/GET`) on each path of the row, except that PATCH, PUT and DELETE of a collection whose item
 * the row names too mean the item; plus `METHOD …/path` spans in the row's other cells.
 */
function apiMdRoutes(): string[] {
  const found: string[] = [];
  for (const line of readFileSync(API_MD, "utf8").split("\n")) {
    if (!line.startsWith("|")) continue;
    const [, methodsCell = "", pathsCell = "", ...others] = cellsOf(line);
    const methods = methodsCell.split("/").map((method) => method.trim());
    if (!methods.every((method) => METHOD.test(method))) continue;
    const written = [...pathsCell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? "");
    const base = written.find((path) => path.startsWith("/"));
    const paths = written.map((path) => resolvePath(path, base)).flatMap(expandChoices);
    for (const method of methods) {
      for (const path of paths) {
        const ofItem = ["PATCH", "PUT", "DELETE"].includes(method);
        if (ofItem && paths.some((other) => other.startsWith(`${path}/`))) continue;
        found.push(`${method} ${path}`);
      }
    }
    for (const [, span = ""] of others.join(" ").matchAll(/`([^`]+)`/g)) {
      const [method = "", path, ...extra] = span.split(" ");
      if (!METHOD.test(method) || path === undefined || extra.length > 0) continue;
      for (const one of expandChoices(resolvePath(path, base))) found.push(`${method} ${one}`);
    }
  }
  return found;
}

/**
 * API.md routes that no service serves yet: ingestion's and outbound's. The list only shrinks: a
 * route served by then must leave it (the test says so), and nothing else may be missing.
 */
const STILL_TO_COME: readonly string[] = [];

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

const SERVED = [
  ...["/health", "/ready", "/metrics", "/openapi.json", "/docs", "/.well-known/jwks.json"].map((path) => ({
    method: "GET",
    path,
  })),
  ...routes.map((route) => ({ method: route.method, path: route.path })),
];

/** The served routes an API.md `METHOD path` is. */
function servedAs(wanted: string): { method: string; path: string }[] {
  const [method, path = ""] = wanted.split(" ");
  return SERVED.filter((route) => route.method === method && samePath(path, route.path));
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

  it("documents a raw route's body as bytes of its media types, beside the JSON it also takes", () => {
    const binary = { schema: { type: "string", format: "binary" } };
    const echo = document.paths["/v1/test/raw/{itemId}"].post;
    expect(echo.requestBody.content).toEqual({ "application/json": binary, "text/plain": binary });
    expect(echo.requestBody.required).toBe(true);
    const headers = echo.parameters.filter((parameter: { in: string }) => parameter.in === "header");
    expect(headers.map((parameter: { name: string }) => parameter.name)).toEqual(
      expect.arrayContaining(["webhook-id", "Webhook-Signature"]),
    );
    expect(echo.responses["415"].description).toMatch(/media type/);
    expect(document.paths["/v1/test/raw-any"].post.requestBody).toMatchObject({
      required: false,
      content: { "*/*": binary },
    });
    const either = document.paths["/v1/test/raw-or-json"].post.requestBody.content;
    expect(either["text/markdown"]).toEqual(binary);
    expect(either["application/json"].schema).toMatchObject({ type: "object", required: ["name"] });
  });

  it("covers every API.md route, but for the explicit list still to come", () => {
    const promised = apiMdRoutes();
    expect(promised.length).toBeGreaterThan(70);
    const missing = promised.filter((wanted) => servedAs(wanted).length === 0);
    expect(missing.filter((wanted) => !STILL_TO_COME.includes(wanted))).toEqual([]);
    for (const wanted of promised) {
      for (const match of servedAs(wanted)) {
        expect(document.paths[match.path]?.[match.method.toLowerCase()], wanted).toBeDefined();
      }
    }
  });

  it("lists as still to come only API.md routes that no service serves yet", () => {
    const promised = apiMdRoutes();
    expect(STILL_TO_COME.filter((listed) => !promised.includes(listed))).toEqual([]);
    expect(STILL_TO_COME.filter((listed) => servedAs(listed).length > 0)).toEqual([]);
  });
});

describe("responses against the document", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });

  function schemaFor(path: string, method: string, status: number): object {
    const responses = document.paths[path][method].responses;
    const response = responses[String(status)] ?? responses.default;
    const content = response.content["application/json"] ?? response.content["application/problem+json"];
    // The document's components beside the schema, so its `#/components/schemas/…` references resolve.
    return { ...content.schema, components: document.components };
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
  it("serves Scalar's reference and its bundle from this gateway under the docs CSP", async () => {
    const page = await harness.app.inject({ url: "/docs" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/^text\/html/);
    expect(page.headers["content-security-policy"]).toBe(DOCS_CSP);
    expect(DOCS_CSP).toContain("script-src 'self';");
    expect(DOCS_CSP).not.toMatch(/unsafe-eval|https?:/);
    expect(page.body).not.toMatch(/<script>|src="https?:|href="https?:/);
    const assets = [...page.body.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)].map((match) => match[1] ?? "");
    expect(assets).toEqual(["/docs/setup.js", "/docs/scalar.js"]);
    for (const asset of assets) {
      const file = await harness.app.inject({ url: asset });
      expect(file.statusCode, asset).toBe(200);
      expect(file.headers["content-type"]).toMatch(/^text\/javascript/);
    }
    expect(page.body).toContain('data-url="/openapi.json"');
    expect(page.body).toContain('"withDefaultFonts":false');
    expect(toFastifyPath("/docs")).toBe("/docs");
  });
});

describe("/asyncapi.json", () => {
  it("serves the bus catalog the repository commits", async () => {
    const served = await harness.app.inject({ url: "/asyncapi.json" });
    expect(served.statusCode).toBe(200);
    expect(served.headers["content-type"]).toMatch(/^application\/json/);
    expect(served.json()).toEqual(JSON.parse(readFileSync(CATALOG_PATH, "utf8")));
  });
});
