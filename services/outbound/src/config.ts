import { baseServiceConfig, type DeepReadonly } from "@tessera/service-kit";
import type { z } from "zod";

export const outboundConfigSchema = baseServiceConfig;

export type OutboundConfig = DeepReadonly<z.output<typeof outboundConfigSchema>>;
