import { z } from "zod";

type JsonObject = Record<string, unknown>;

/** JSON Schema from zod for a document that keeps shared schemas under `#/components/schemas`. */
export interface SchemaComponents {
  /** `schema` as JSON Schema; the definitions it shares are hoisted into `shared` and referenced. */
  of(schema: z.ZodType, io: "input" | "output"): JsonObject;
  /** `schema` as `of` gives it, with a reference to a component replaced by the component itself. */
  inline(schema: z.ZodType, io: "input" | "output"): JsonObject;
  /**
   * The finished `document` (whose `components.schemas` are `shared`): a request's `XInput` that
   * has no `X` beside it is renamed `X`, so the name says only what needs saying.
   */
  settle(document: JsonObject): JsonObject;
  /**
   * The hoisted definitions, by component name: a schema's `.meta({ id })` (with `Input` appended
   * when it reads differently as a request than as a response), else `Shared1`, `Shared2`, ….
   */
  readonly shared: ReadonlyMap<string, unknown>;
}

const COMPONENTS = "#/components/schemas/";
const JsonObjectSchema = z.record(z.string(), z.unknown());

type Target = "draft-2020-12" | "draft-7";

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

function refsIn(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsIn(item, into);
  else if (typeof value === "object" && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === "$ref" && typeof item === "string") into.add(item);
      else refsIn(item, into);
    }
  }
  return into;
}

const idOf = (schema: z.core.$ZodType): string | undefined => {
  const id = z.globalRegistry.get(schema)?.id;
  return typeof id === "string" ? id : undefined;
};

/**
 * zod → JSON Schema, noting the named schemas met. A recursive (`z.lazy`) schema is shown open
 * (any JSON value, with its description): a generated client cannot type a schema that refers to
 * itself (openapi-typescript's `components["schemas"]["X"]` inside `X` is TS2502 under `strict`).
 */
function convert(schema: z.core.$ZodType, io: "input" | "output", target: Target) {
  const named = new Map<string, z.core.$ZodType>();
  const converted: JsonObject = z.toJSONSchema(schema, {
    io,
    target,
    unrepresentable: "any",
    override(context) {
      const id = idOf(context.zodSchema);
      if (id !== undefined) named.set(id, context.zodSchema);
      if (context.zodSchema._zod.def.type !== "lazy") return;
      const { description } = context.jsonSchema;
      for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
      if (description !== undefined) context.jsonSchema.description = description;
    },
  });
  return { converted, named };
}

/**
 * One document's schema conversion: OpenAPI 3.1 takes JSON Schema 2020-12, AsyncAPI 3 its own
 * superset of draft-07. Local `$defs` (or draft-07 `definitions`) do not resolve once a schema is
 * placed inside a larger document, so they move to the document's components.
 */
export function schemaComponents(target: Target = "draft-2020-12"): SchemaComponents {
  const shared = new Map<string, unknown>();
  const owners = new Map<string, z.core.$ZodType>();
  const local = target === "draft-7" ? "definitions" : "$defs";
  const readsAlike = new WeakMap<z.core.$ZodType, boolean>();
  const inputNames = new Map<string, string>(); // `XInput` → `X`

  /** A named schema that a request would send differently (defaults optional, unknown keys allowed). */
  function inputDiffers(schema: z.core.$ZodType): boolean {
    const known = readsAlike.get(schema);
    if (known !== undefined) return !known;
    const alike =
      JSON.stringify(convert(schema, "input", target).converted) ===
      JSON.stringify(convert(schema, "output", target).converted);
    readsAlike.set(schema, alike);
    return !alike;
  }

  function componentName(id: string, schema: z.core.$ZodType, io: "input" | "output"): string {
    const name = io === "input" && inputDiffers(schema) ? `${id}Input` : id;
    if (name !== id) inputNames.set(name, id);
    const owner = owners.get(name);
    if (owner !== undefined && owner !== schema) throw new TypeError(`Two schemas are named "${id}"`);
    owners.set(name, schema);
    return name;
  }

  function of(schema: z.ZodType, io: "input" | "output"): JsonObject {
    const { converted, named } = convert(schema, io, target);
    const { $schema: _dialect, [local]: found, ...rest } = converted;
    const definitions = JsonObjectSchema.catch({}).parse(found);
    const renamed = new Map<string, string>();
    let unnamed = [...shared.keys()].filter((name) => /^Shared\d+$/.test(name)).length;
    for (const name of Object.keys(definitions)) {
      const zod = named.get(name);
      const component = zod === undefined ? `Shared${++unnamed}` : componentName(name, zod, io);
      renamed.set(`#/${local}/${name}`, `${COMPONENTS}${component}`);
    }
    // Only what the schema still reaches: an opened recursive schema leaves its body behind.
    const reached = new Set<string>();
    const pending = [...refsIn(rest)];
    for (let ref = pending.pop(); ref !== undefined; ref = pending.pop()) {
      if (reached.has(ref) || !ref.startsWith(`#/${local}/`)) continue;
      reached.add(ref);
      pending.push(...refsIn(definitions[ref.slice(local.length + 3)]));
    }
    for (const [name, definition] of Object.entries(definitions)) {
      const ref = `#/${local}/${name}`;
      const component = renamed.get(ref) ?? "";
      if (reached.has(ref)) shared.set(component.slice(COMPONENTS.length), rewriteRefs(definition, renamed));
    }
    return JsonObjectSchema.parse(rewriteRefs(rest, renamed));
  }

  return {
    shared,
    of,
    inline(schema, io) {
      const json = of(schema, io);
      const ref = json.$ref;
      if (typeof ref !== "string" || !ref.startsWith(COMPONENTS)) return json;
      return JsonObjectSchema.catch(json).parse(shared.get(ref.slice(COMPONENTS.length)));
    },
    settle(document) {
      const renamed = new Map<string, string>();
      for (const [name, id] of inputNames) {
        if (!shared.has(id)) renamed.set(`${COMPONENTS}${name}`, `${COMPONENTS}${id}`);
      }
      const settled = JsonObjectSchema.parse(rewriteRefs(document, renamed));
      const parts = JsonObjectSchema.catch({}).parse(settled.components);
      const schemas = Object.entries(JsonObjectSchema.catch({}).parse(parts.schemas)).map(
        ([name, schema]) => [renamed.get(`${COMPONENTS}${name}`)?.slice(COMPONENTS.length) ?? name, schema],
      );
      return { ...settled, components: { ...parts, schemas: Object.fromEntries(schemas) } };
    },
  };
}
