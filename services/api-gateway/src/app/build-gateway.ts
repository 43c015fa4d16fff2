import type { Bus } from "@tessera/bus";
import { API_VERSION, HEADER, JWKS_KV, type RouteDefinition } from "@tessera/contracts";
import { createMetrics, type Metrics } from "@tessera/service-kit";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import type { GatewaySettings } from "../config.ts";
import { createAccessTokenVerifier } from "../infra/access-tokens.ts";
import { startJwksStore } from "../infra/jwks-store.ts";
import { authenticate } from "./authenticate.ts";
import { registerContractRoutes } from "./contract-routes.ts";
import { GatewayLogController } from "./log-controller.ts";
import { createGatewayMetrics } from "./metrics.ts";
import { notFoundHandler, sendProblem } from "./problems.ts";
import { gatewayReadiness } from "./readiness.ts";
import { pathOf, requestIdFor } from "./request-id.ts";
import { createMethodIndex } from "./route-matcher.ts";
import { registerSystemRoutes } from "./system-routes.ts";
import { createUpstream } from "./upstream.ts";

export interface GatewayDeps {
  /** The gateway's bus (`service: "api-gateway"`); its connection answers the NATS readiness check. */
  readonly bus: Pick<Bus, "request" | "kv" | "nc">;
  readonly redis: Pick<Redis, "ping">;
  readonly logger: FastifyBaseLogger;
  readonly config: GatewaySettings;
  /** The route table, normally `routes` from `@tessera/contracts`. */
  readonly routes: readonly RouteDefinition[];
  /** Where the gateway's metrics go; `/metrics` renders all of it. @default a fresh `createMetrics` */
  readonly metrics?: Metrics;
}

/**
 * The gateway's HTTP app, ready to `listen` or `inject`. Every route comes from `routes`; the access
 * token keys follow the JWKS that `auth` keeps in NATS KV. Closing the app stops the JWKS watch;
 * the bus and Redis belong to the caller.
 */
export async function buildGateway(deps: GatewayDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  const registry = deps.metrics ?? createMetrics({ service: "api-gateway" });
  const metrics = createGatewayMetrics(registry);
  const upstream = createUpstream({ bus: deps.bus, metrics, timeoutMs: config.UPSTREAM_TIMEOUT_MS });
  const jwks = await startJwksStore({ kv: await deps.bus.kv(JWKS_KV.bucket), key: JWKS_KV.key, logger });
  const verify = createAccessTokenVerifier({
    jwks,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
  });
  const methods = createMethodIndex();

  const app = Fastify({
    loggerInstance: logger,
    logController: new GatewayLogController(),
    genReqId: requestIdFor,
    bodyLimit: config.BODY_LIMIT_BYTES,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    return503OnClosing: true,
  });
  // JSON only: anything else on a body route is 415, not a string handed to a service.
  app.removeContentTypeParser("text/plain");
  app.decorateRequest("caller", null);
  app.decorateRequest("input", null);

  app.addHook("onSend", async (request, reply, payload) => {
    reply.header(HEADER.requestId, request.id);
    reply.header(HEADER.apiVersion, API_VERSION);
    if (pathOf(request.url).startsWith("/v1/auth/")) reply.header("cache-control", "no-store");
    return payload;
  });
  app.addHook("onResponse", async (request, reply) => {
    metrics.observeHttp(
      { method: request.method, route: request.routeOptions.url ?? "unmatched", status: reply.statusCode },
      reply.elapsedTime / 1_000,
    );
  });
  app.addHook("onClose", () => jwks.close());
  app.setErrorHandler(sendProblem);
  app.setNotFoundHandler(notFoundHandler(methods));

  registerSystemRoutes(app, {
    jwks,
    readiness: gatewayReadiness({ nats: deps.bus.nc, redis: deps.redis, upstream }),
    metrics: registry,
    onRegister: methods.add,
  });
  registerContractRoutes(app, {
    routes: deps.routes,
    upstream,
    authenticate: authenticate(verify),
    bodyLimit: config.BODY_LIMIT_BYTES,
    onRegister: methods.add,
  });
  return app;
}
