import { runMain } from "@tessera/service-kit";
import { memoryConfigSchema } from "./config.ts";
import { startMemoryService } from "./service.ts";

await runMain(memoryConfigSchema, startMemoryService);
