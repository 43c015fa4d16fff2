import { runMain } from "@tessera/service-kit";
import { outboundConfigSchema } from "./config.ts";
import { startOutboundService } from "./service.ts";

await runMain(outboundConfigSchema, startOutboundService);
