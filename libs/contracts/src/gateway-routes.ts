import { statusGet } from "./gateway-operations.ts";
import { defineRoute, type RouteDefinition } from "./routes.ts";

/** What the gateway itself answers under `/v1` (its public `/health`, `/ready`, `/metrics` are no contract routes). */
export const gatewayStatusRoutes: readonly RouteDefinition[] = [
  defineRoute({
    auth: "platform-admin",
    rateClass: "read",
    method: "GET",
    path: "/v1/admin/status",
    summary: "The gateway's NATS and Redis and every service's readiness, with what failed",
    operation: statusGet,
    successStatus: 200,
    response: statusGet.response,
  }),
];
