import { authRoutes } from "./auth.ts";
import { jobRoutes } from "./jobs.ts";
import { memoryRoutes } from "./memory-routes.ts";
import type { RouteDefinition } from "./routes.ts";
import { userRoutes } from "./user.ts";

/**
 * The public HTTP contract, one declaration per route, gathered from each area's file; the gateway
 * builds every route from it and the OpenAPI document is generated from it.
 */
export const routes: readonly RouteDefinition[] = [
  ...authRoutes,
  ...userRoutes,
  ...jobRoutes,
  ...memoryRoutes,
];
