import { runMain } from "@tessera/service-kit";
import { ingestionConfigSchema } from "./config.ts";
import { startIngestionService } from "./service.ts";

await runMain(ingestionConfigSchema, startIngestionService);
