import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as contracts from "../src/index.ts";
import { type OperationDefinition, PageQuerySchema, routes } from "../src/index.ts";

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");
const sources = readdirSync(src).filter((file) => file.endsWith(".ts"));
const AREA_FILE = /^[a-z]+-(schemas|operations|events|routes)\.ts$/;
/** Modules every area shares; each is a leaf or close to one. */
const SHARED = [
  "errors.ts",
  "headers.ts",
  "http-errors.ts",
  "index.ts",
  "messaging.ts",
  "pagination.ts",
  "per-schema.ts",
  "roles.ts",
  "scalars.ts",
  "route-table.ts",
  "routes.ts",
  "trace.ts",
];

function importsOf(file: string): string[] {
  const source = readFileSync(join(src, file), "utf8");
  return [...source.matchAll(/from "\.\/([^"]+)"/g)].map((match) => match[1] ?? "");
}

function isOperation(value: unknown): value is OperationDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    "subject" in value &&
    typeof value.subject === "string" &&
    value.subject.startsWith("svc.")
  );
}

const camel = (name: string): string =>
  name.replace(/[.-]([a-z])/g, (_match, letter: string) => letter.toUpperCase());

describe("the contracts' layout", () => {
  it("has one file per area and kind, beside the shared modules", () => {
    const odd = sources.filter((file) => !AREA_FILE.test(file) && !SHARED.includes(file));
    expect(odd).toEqual([]);
  });

  it("exports each name from the index by name, never with export *", () => {
    const index = readFileSync(join(src, "index.ts"), "utf8");
    expect(index).not.toMatch(/export \*/);
    for (const file of sources.filter((source) => source !== "index.ts")) {
      expect(readFileSync(join(src, file), "utf8"), file).not.toMatch(/export \* from/);
    }
  });

  it("has no import cycles between its modules", () => {
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (path.includes(file)) {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" → "));
        return;
      }
      for (const next of importsOf(file)) visit(next, [...path, file]);
    };
    for (const file of sources) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("keeps roles in a leaf module that routes and headers import", () => {
    expect(importsOf("roles.ts")).toEqual([]);
    const areaImports = (file: string) => importsOf(file).filter((imported) => AREA_FILE.test(imported));
    expect(areaImports("routes.ts")).toEqual([]);
    expect(areaImports("headers.ts")).toEqual([]);
    expect(importsOf("routes.ts")).toContain("roles.ts");
  });
});

describe("operation names", () => {
  const operations = Object.entries(contracts as Record<string, unknown>).flatMap(
    ([exported, value]): [string, OperationDefinition][] => (isOperation(value) ? [[exported, value]] : []),
  );

  it("are <resource>.<verb> and exported as resourceVerb", () => {
    expect(operations.length).toBeGreaterThan(40);
    const off = operations
      .filter(([exported, op]) => !/^[a-z]+(-[a-z]+)*\.[a-z]+$/.test(op.name) || exported !== camel(op.name))
      .map(([exported, op]) => `${exported}: ${op.subject}`);
    expect(off).toEqual([]);
  });

  it("are unique across the platform", () => {
    const names = operations.map(([, op]) => op.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("pagination", () => {
  it("reads every paginated list with the one page query", () => {
    const lists = routes.filter(
      (route) => route.response instanceof z.ZodObject && "nextCursor" in route.response.shape,
    );
    expect(lists.length).toBeGreaterThan(5);
    const off = lists
      .filter((route) => {
        const query = route.request.query;
        return (
          !(query instanceof z.ZodObject) ||
          query.shape.limit !== PageQuerySchema.shape.limit ||
          query.shape.cursor !== PageQuerySchema.shape.cursor
        );
      })
      .map((route) => `${route.method} ${route.path}`);
    expect(off).toEqual([]);
  });

  it("refuses a cursor longer than MAX_CURSOR_LENGTH in every list", () => {
    const tooLong = "a".repeat(contracts.MAX_CURSOR_LENGTH + 1);
    expect(PageQuerySchema.safeParse({ cursor: tooLong }).success).toBe(false);
  });
});
