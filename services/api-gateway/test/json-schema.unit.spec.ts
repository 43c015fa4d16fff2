import { describe, expect, it } from "vitest";
import { z } from "zod";
import { schemaComponents } from "../src/app/json-schema.ts";

const Thing = z.object({ id: z.string(), size: z.number().default(1) }).meta({ id: "TestThing" });
const Colour = z.enum(["red", "blue"]).meta({ id: "TestColour" });

describe("the shared zod → JSON Schema hoister", () => {
  it("names a schema's component by its .meta id and refers to it", () => {
    const components = schemaComponents();
    const page = components.of(z.object({ items: z.array(Thing), colour: Colour }), "output");
    expect(page).toMatchObject({
      properties: {
        items: { items: { $ref: "#/components/schemas/TestThing" } },
        colour: { $ref: "#/components/schemas/TestColour" },
      },
    });
    expect([...components.shared.keys()].sort()).toEqual(["TestColour", "TestThing"]);
    expect(components.shared.get("TestColour")).toEqual({ type: "string", enum: ["red", "blue"] });
  });

  it("names a request's form apart when it reads differently, and settles it back when alone", () => {
    const both = schemaComponents();
    const document = { request: both.of(Thing, "input"), response: both.of(Thing, "output") };
    const settledBoth = both.settle({
      ...document,
      components: { schemas: Object.fromEntries(both.shared) },
    });
    expect(settledBoth).toMatchObject({
      request: { $ref: "#/components/schemas/TestThingInput" },
      response: { $ref: "#/components/schemas/TestThing" },
    });

    const requestOnly = schemaComponents();
    const request = requestOnly.of(Thing, "input");
    const settled = requestOnly.settle({
      request,
      components: { schemas: Object.fromEntries(requestOnly.shared) },
    });
    expect(settled).toMatchObject({ request: { $ref: "#/components/schemas/TestThing" } });
    expect(
      Object.keys(
        z.looseObject({ schemas: z.record(z.string(), z.unknown()) }).parse(settled.components).schemas,
      ),
    ).toEqual(["TestThing"]);
  });

  it("keeps one name for a schema that reads the same both ways", () => {
    const components = schemaComponents();
    expect(components.of(Colour, "input")).toEqual({ $ref: "#/components/schemas/TestColour" });
    expect(components.of(Colour, "output")).toEqual({ $ref: "#/components/schemas/TestColour" });
  });

  it("refuses two different schemas under one name", () => {
    const components = schemaComponents();
    components.of(z.object({ a: z.string() }).meta({ id: "TestTwice" }), "output");
    expect(() => components.of(z.object({ b: z.string() }).meta({ id: "TestTwice" }), "output")).toThrow(
      /Two schemas are named "TestTwice"/,
    );
  });

  it("shows a recursive schema open, so no component refers to itself", () => {
    const components = schemaComponents();
    const json = components.of(z.object({ value: z.json().meta({ description: "Anything." }) }), "output");
    expect(JSON.stringify({ json, shared: [...components.shared] })).not.toContain("$ref");
    expect(json).toMatchObject({ properties: { value: { description: "Anything." } } });
  });
});
