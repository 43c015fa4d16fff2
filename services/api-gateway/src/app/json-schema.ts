import { z } from "zod";

type JsonObject = Record<string, unknown>;

/** JSON Schema from zod for a document that keeps shared schemas under `#/components/schemas`. */
export interface SchemaComponents {
  /** `schema` as JSON Schema; the definitions it shares are hoisted into `shared` and referenced. */
  of(schema: z.ZodType, io: "input" | "output"): JsonObject;
  /** The hoisted definitions, by component name (`Shared1`, `Shared2`, …). */
  readonly shared: ReadonlyMap<string, unknown>;
}

const COMPONENTS = "#/components/schemas/";

function rewriteRefs(value: unknown, renamed: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, renamed));
  if (typeof value !== "object" || value === null) return value;
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      key === "$ref" && typeof item === "string" ? (renamed.get(item) ?? item) : rewriteRefs(item, renamed);
  }
  return out;
}

/**
 * One document's schema conversion: OpenAPI 3.1 takes JSON Schema 2020-12, AsyncAPI 3 its own
 * superset of draft-07. Local `$defs` (or draft-07 `definitions`) do not resolve once a schema is
 * placed inside a larger document, so they move to the document's components.
 */
export function schemaComponents(target: "draft-2020-12" | "draft-7" = "draft-2020-12"): SchemaComponents {
  const shared = new Map<string, unknown>();
  const local = target === "draft-7" ? "definitions" : "$defs";
  return {
    shared,
    of(schema, io) {
      const converted: JsonObject = z.toJSONSchema(schema, { io, target, unrepresentable: "any" });
      const { $schema: _dialect, [local]: definitions, ...rest } = converted;
      if (definitions === undefined || definitions === null || typeof definitions !== "object") return rest;
      const renamed = new Map<string, string>();
      for (const name of Object.keys(definitions)) {
        renamed.set(`#/${local}/${name}`, `${COMPONENTS}Shared${shared.size + renamed.size + 1}`);
      }
      for (const [name, definition] of Object.entries(definitions)) {
        const target = renamed.get(`#/${local}/${name}`) ?? "";
        shared.set(target.slice(COMPONENTS.length), rewriteRefs(definition, renamed));
      }
      return z.record(z.string(), z.unknown()).parse(rewriteRefs(rest, renamed));
    },
  };
}
