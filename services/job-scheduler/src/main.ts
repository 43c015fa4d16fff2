import { runMain } from "@tessera/service-kit";
import { jobSchedulerConfigSchema } from "./config.ts";
import { startJobSchedulerService } from "./service.ts";

await runMain(jobSchedulerConfigSchema, startJobSchedulerService);
