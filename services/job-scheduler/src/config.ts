import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import type { z } from "zod";

export const jobSchedulerConfigSchema = baseServiceConfig;

export type JobSchedulerConfig = DeepReadonly<z.output<typeof jobSchedulerConfigSchema>>;
