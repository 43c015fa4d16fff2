import type { z } from "zod";

/**
 * `build`, run once per schema: what it made is kept as long as the schema lives, so a schema
 * derived on every call (and the parser zod compiles for it) is made only the first time.
 */
export function oncePerSchema<Made>(build: (schema: z.ZodType) => Made): (schema: z.ZodType) => Made {
  const made = new WeakMap<z.ZodType, Made>();
  return (schema) => {
    const known = made.get(schema);
    if (known !== undefined) return known;
    const built = build(schema);
    made.set(schema, built);
    return built;
  };
}
