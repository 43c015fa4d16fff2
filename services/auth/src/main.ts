import { runMain } from "@tessera/service-kit";
import { authConfigSchema } from "./config.ts";
import { startAuthService } from "./service.ts";

await runMain(authConfigSchema, startAuthService);
