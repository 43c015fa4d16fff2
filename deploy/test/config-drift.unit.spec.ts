import { baseServiceConfig } from "@tessera/service-kit";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { loadServices } from "../services.ts";
import { configSchemaOf } from "./config-schemas.ts";

const manifest = loadServices();
const baseNames = new Set(Object.keys(baseServiceConfig.shape));

describe("deploy/services.json against the services' config schemas", () => {
  it.each(manifest.services.map((service) => service.name))(
    "lists exactly the variables %s parses, with the defaults it applies",
    async (name) => {
      const service = manifest.services.find((candidate) => candidate.name === name)!;
      const schema = await configSchemaOf(name);
      const own = Object.keys(schema.shape).filter((key) => !baseNames.has(key));
      expect(service.env.map((variable) => variable.name).sort()).toEqual(own.sort());
      for (const variable of service.env) {
        const field = schema.shape[variable.name] as z.ZodType;
        const withoutValue = field.safeParse(undefined);
        if (variable.default === undefined) {
          expect(
            withoutValue.success && withoutValue.data === undefined,
            `${variable.name} is optional`,
          ).toBe(true);
        } else {
          // The manifest's local default means what the code does when the variable is unset
          // (an empty value counts as unset, as parseConfig reads it).
          const parsed = variable.default === "" ? withoutValue.data : field.parse(variable.default);
          expect(parsed, variable.name).toEqual(withoutValue.data);
        }
      }
    },
  );

  it("gives a variable that several services read the same default everywhere", () => {
    const seen = new Map<string, string | undefined>();
    for (const service of manifest.services) {
      for (const variable of service.env) {
        if (seen.has(variable.name)) expect(variable.default, variable.name).toBe(seen.get(variable.name));
        seen.set(variable.name, variable.default);
      }
    }
  });
});
