import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import type { z } from "zod";

export const memoryConfigSchema = baseServiceConfig;

export type MemoryConfig = DeepReadonly<z.output<typeof memoryConfigSchema>>;
