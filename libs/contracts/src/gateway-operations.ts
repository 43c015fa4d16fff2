import { z } from "zod";
import { PlatformStatusSchema } from "./gateway-schemas.ts";
import { defineOperation } from "./messaging.ts";

/**
 * The platform's status as one gateway replica sees it (platform admins, or the platform). Any
 * replica answers: each pings the same services.
 */
export const statusGet = defineOperation({
  service: "api-gateway",
  name: "status.get",
  request: z.object({}).strict(),
  response: PlatformStatusSchema,
});
