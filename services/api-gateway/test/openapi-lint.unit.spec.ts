import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createConfig, lintFromString } from "@redocly/openapi-core";
import { clientTypesOf } from "@tessera/client-types";
import { routes } from "@tessera/contracts";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildOpenApiDocument } from "../src/app/openapi.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const tsc = join(root, "node_modules", ".bin", "tsc");

const ResponsesSchema = z.record(
  z.string(),
  z.looseObject({
    description: z.string(),
    headers: z.record(z.string(), z.unknown()).optional(),
    content: z.record(z.string(), z.looseObject({ schema: z.unknown() })).optional(),
  }),
);
const DocumentSchema = z.looseObject({
  info: z.looseObject({ license: z.looseObject({ name: z.string() }) }),
  tags: z.array(z.object({ name: z.string(), description: z.string().min(1) })),
  paths: z.record(z.string(), z.record(z.string(), z.looseObject({ responses: ResponsesSchema }))),
  components: z.looseObject({ schemas: z.record(z.string(), z.unknown()) }),
});

const document = buildOpenApiDocument(routes);
const parsed = DocumentSchema.parse(document);

function responses(path: string, method: string) {
  const operation = parsed.paths[path]?.[method];
  if (!operation) throw new Error(`${method} ${path} is not in the document`);
  return operation.responses;
}

async function lintProblems(value: object): Promise<string[]> {
  const config = await createConfig({ extends: ["recommended"] });
  const problems = await lintFromString({
    source: JSON.stringify(value),
    absoluteRef: "openapi.json",
    config,
  });
  return problems.map(
    (problem) =>
      `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? "?"}`,
  );
}

/** Every file under `dir` (without `node_modules`), as text. */
function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "test") return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return path.endsWith(".ts") ? [readFileSync(path, "utf8")] : [];
  });
}

describe("the OpenAPI document, linted and compiled as a client would", () => {
  const scratch = mkdtempSync(join(tmpdir(), "tessera-client-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("has no error nor warning under Redocly's recommended rules", async () => {
    expect(await lintProblems(document)).toEqual([]);
  }, 60_000);

  it("is linted for real: an operation without a 4XX response is reported", async () => {
    const broken = structuredClone(parsed);
    const get = broken.paths["/health"]?.get;
    if (get) get.responses = { "200": { description: "ok" } };
    expect((await lintProblems(broken)).join("\n")).toContain("operation-4xx-response");
  }, 60_000);

  it("generates a client whose types check under strict and say what the API sends", async () => {
    writeFileSync(join(scratch, "client.ts"), await clientTypesOf(document));
    writeFileSync(
      join(scratch, "usage.ts"),
      [
        'import type { components, paths } from "./client.ts";',
        'type Memory = components["schemas"]["Memory"];',
        'type Login = paths["/v1/auth/login"]["post"];',
        'export const tier: Memory["tier"] = "working";',
        'export const conflict: components["schemas"]["Problem"]["status"] = 409;',
        'export type LoginBody = NonNullable<Login["requestBody"]>["content"]["application/json"];',
        "// @ts-expect-error a memory's id is a string: the types are real, not `any`",
        'export const id: Memory["id"] = 1;',
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: "es2024",
          module: "nodenext",
          moduleResolution: "nodenext",
          allowImportingTsExtensions: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: false,
          types: [],
        },
        files: ["client.ts", "usage.ts"],
      }),
    );
    const result = spawnSync(tsc, ["-p", join(scratch, "tsconfig.json")], { cwd: scratch, encoding: "utf8" });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.status).toBe(0);
  }, 120_000);
});

describe("the OpenAPI document's content", () => {
  it("names the shared schemas as components instead of inlining copies", () => {
    const names = Object.keys(parsed.components.schemas);
    for (const name of ["Memory", "Project", "Session", "Problem", "TokenPair", "SessionPage", "JsonValue"]) {
      expect(names).toContain(name);
    }
    expect(names.filter((name) => /^Shared\d+$/.test(name))).toEqual([]);
    const memory = responses("/v1/projects/{projectId}/memories/{memoryId}", "get")["200"];
    expect(memory?.content?.["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/Memory" });
  });

  it("lists every status a route's service answers, with its codes", () => {
    expect(responses("/v1/auth/register", "post")["409"]?.description).toContain("`auth.email_taken`");
    expect(responses("/v1/auth/login", "post")["401"]?.description).toContain("`auth.invalid_credentials`");
    expect(responses("/v1/auth/refresh", "post")["401"]?.description).toContain(
      "`auth.invalid_refresh_token`",
    );
    expect(responses("/v1/projects/{projectId}/memories/{memoryId}", "get")["404"]?.description).toContain(
      "`memory.not_found`",
    );
  });

  it("documents the cookie mode of a token-pair answer, with its Set-Cookie", () => {
    const signedIn = responses("/v1/auth/login", "post")["200"];
    expect(Object.keys(signedIn?.headers ?? {})).toContain("Set-Cookie");
    expect(signedIn?.content?.["application/json"]?.schema).toEqual({
      oneOf: [{ $ref: "#/components/schemas/TokenPair" }, { $ref: "#/components/schemas/CookieSession" }],
    });
    expect(Object.keys(z.looseObject({}).parse(parsed.components.schemas.CookieSession))).toContain(
      "properties",
    );
  });

  it("has a license and a described tag for every operation's tag", () => {
    expect(parsed.info.license.name).toBe("Apache-2.0");
    const tags = new Set(parsed.tags.map((tag) => tag.name));
    const used = Object.values(parsed.paths)
      .flatMap((item) => Object.values(item))
      .flatMap((operation) => z.array(z.string()).parse(operation.tags));
    expect([...new Set(used)].filter((tag) => !tags.has(tag))).toEqual([]);
  });

  it("declares only problem codes that some service really raises", () => {
    const sources = [
      ...readdirSync(join(root, "services")).map((name) => join(root, "services", name, "src")),
      ...readdirSync(join(root, "libs")).map((name) => join(root, "libs", name, "src")),
    ].flatMap((dir) => sourcesUnder(dir));
    const text = sources.join("\n");
    // A code built from a template (`user.invitation_${status}`) counts by the template's start.
    const templated = [...text.matchAll(/`([a-z_]+\.[a-z_]+)\$\{/g)].map((match) => match[1] ?? "");
    const declared = [...new Set(routes.flatMap((route) => Object.values(route.problems ?? {}).flat()))];
    expect(declared.length).toBeGreaterThan(20);
    const unknown = declared.filter(
      (code) => !text.includes(`"${code}"`) && !templated.some((start) => code.startsWith(start)),
    );
    expect(unknown).toEqual([]);
  });
});
