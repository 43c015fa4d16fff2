import type { z } from "zod";

/** The zod object a service's `config.ts` exports: the one place its environment is parsed. */
export async function configSchemaOf(service: string): Promise<z.ZodObject> {
  const module: Record<string, unknown> = await import(`../../services/${service}/src/config.ts`);
  const schemas = Object.values(module).filter(
    (value): value is z.ZodObject => typeof value === "object" && value !== null && "shape" in value,
  );
  if (schemas.length !== 1)
    throw new Error(`${service}/src/config.ts exports ${schemas.length} config schemas, not one`);
  return schemas[0]!;
}
