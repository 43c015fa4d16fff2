import { runMain } from "@tessera/service-kit";
import { userConfigSchema } from "./config.ts";
import { startUserService } from "./service.ts";

await runMain(userConfigSchema, startUserService);
