import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import type { z } from "zod";

export const userConfigSchema = baseServiceConfig;

export type UserConfig = DeepReadonly<z.output<typeof userConfigSchema>>;
