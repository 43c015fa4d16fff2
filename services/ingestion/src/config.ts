import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import type { z } from "zod";

export const ingestionConfigSchema = baseServiceConfig;

export type IngestionConfig = DeepReadonly<z.output<typeof ingestionConfigSchema>>;
