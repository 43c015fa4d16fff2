import { authRoutes } from "./auth-routes.ts";
import { documentRoutes } from "./documents-routes.ts";
import { gatewayStatusRoutes } from "./gateway-routes.ts";
import { jobRoutes } from "./jobs-routes.ts";
import { memoryRoutes } from "./memory-routes.ts";
import { outboundRoutes } from "./outbound-routes.ts";
import type { RouteDefinition } from "./routes.ts";
import { sourceRoutes } from "./sources-routes.ts";
import { userRoutes } from "./user-routes.ts";

/**
 * The public HTTP contract, one declaration per route, gathered from each area's file; the gateway
 * builds every route from it and the OpenAPI document is generated from it.
 */
export const routes: readonly RouteDefinition[] = [
  ...gatewayStatusRoutes,
  ...authRoutes,
  ...userRoutes,
  ...jobRoutes,
  ...memoryRoutes,
  ...sourceRoutes,
  ...documentRoutes,
  ...outboundRoutes,
];
