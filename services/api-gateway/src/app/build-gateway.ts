import type { Bus } from "@tessera/bus";
import { JWKS_KV, REVOKED_SESSIONS_KV, type RouteDefinition } from "@tessera/contracts";
import { createMetrics, keyRingOrEphemeral, type Metrics, type Readiness } from "@tessera/service-kit";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import type { GatewaySettings } from "../config.ts";
import { startAccessCache } from "../infra/access-cache.ts";
import { createAccessTokenVerifier } from "../infra/access-tokens.ts";
import { createIdempotencyStore } from "../infra/idempotency-store.ts";
import { startJwksStore } from "../infra/jwks-store.ts";
import { createRateLimiter } from "../infra/rate-limiter.ts";
import { startRevokedSessions } from "../infra/revoked-sessions.ts";
import { accessGuardFor } from "./access-guard.ts";
import { buildAsyncApiDocument } from "./asyncapi.ts";
import { authenticate } from "./authenticate.ts";
import { clientAddressOf } from "./client-address.ts";
import { messageContextOf, registerContractRoutes } from "./contract-routes.ts";
import { registerDocsRoutes } from "./docs-routes.ts";
import { edgeHeaders, registerEdge } from "./edge.ts";
import { guardConnections, httpServerOptions } from "./http-server.ts";
import { useJsonBodyParser } from "./json-body.ts";
import { lazyChildLoggerFactory } from "./lazy-child-logger.ts";
import { GatewayLogController } from "./log-controller.ts";
import { createGatewayMetrics } from "./metrics.ts";
import { buildOpenApiDocument } from "./openapi.ts";
import { servePlatformStatus } from "./platform-status.ts";
import { notFoundHandler, sendProblem } from "./problems.ts";
import { gatewayReadiness, platformReadiness } from "./readiness.ts";
import { requestIdFor } from "./request-id.ts";
import { createMethodIndex } from "./route-matcher.ts";
import { registerSystemRoutes } from "./system-routes.ts";
import { createUpstream } from "./upstream.ts";

export interface GatewayDeps {
  /**
   * The gateway's bus (`service: "api-gateway"`); its connection answers the NATS readiness check,
   * and it answers the gateway's own operations (the platform status) and ping.
   */
  readonly bus: Pick<Bus, "request" | "kv" | "nc" | "names" | "serve" | "servePing">;
  /** Rate limits, idempotency keys and the readiness PING. */
  readonly redis: Pick<Redis, "ping" | "evalsha" | "eval" | "set" | "del">;
  readonly logger: FastifyBaseLogger;
  readonly config: GatewaySettings;
  /** The route table, normally `routes` from `@tessera/contracts`. */
  readonly routes: readonly RouteDefinition[];
  /** Where the gateway's metrics go; `/metrics` renders all of it. @default a fresh `createMetrics` */
  readonly metrics?: Metrics;
  /** The gateway's own readiness (`/ready`; `main.ts` gives the ops port the same). @default `gatewayReadiness` */
  readonly readiness?: Readiness;
}

/**
 * The gateway's HTTP app, ready to `listen` or `inject`. Every route comes from `routes`; the access
 * token keys follow the JWKS that `auth` keeps in NATS KV, revoked sessions its revocation bucket.
 * Closing the app stops those watches; the bus and Redis belong to the caller.
 */
export async function buildGateway(deps: GatewayDeps): Promise<FastifyInstance> {
  const { config, logger } = deps;
  const registry = deps.metrics ?? createMetrics({ service: "api-gateway" });
  const metrics = createGatewayMetrics(registry);
  const upstream = createUpstream({ bus: deps.bus, metrics, timeoutMs: config.UPSTREAM_TIMEOUT_MS });
  const jwks = await startJwksStore({ kv: await deps.bus.kv(JWKS_KV.bucket), key: JWKS_KV.key, logger });
  const revoked = await startRevokedSessions({ kv: await deps.bus.kv(REVOKED_SESSIONS_KV.bucket), logger });
  const accessCache = startAccessCache({
    bus: deps.bus,
    upstream,
    ttlMs: config.ACCESS_CACHE_TTL_MS,
    metrics,
    logger,
  });
  const verify = createAccessTokenVerifier({
    jwks,
    issuer: config.AUTH_ISSUER,
    audience: config.AUTH_AUDIENCE,
  });
  const methods = createMethodIndex();
  const setEdgeHeaders = edgeHeaders(config);

  const app = Fastify({
    ...httpServerOptions(config.httpServer, logger),
    loggerInstance: logger,
    logController: new GatewayLogController(),
    childLoggerFactory: lazyChildLoggerFactory,
    genReqId: requestIdFor,
    bodyLimit: config.BODY_LIMIT_BYTES,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    // A bad URL or an over-long path parameter, found by the router before any hook runs.
    frameworkErrors: (error, request, reply) => {
      setEdgeHeaders(
        request,
        reply,
        clientAddressOf(request.raw.socket, request.headers, config.trustedProxies),
      );
      return sendProblem(error, request, reply);
    },
  });
  guardConnections(app, config.httpServer, logger);
  // JSON only: anything else on a body route is 415, not a string handed to a service.
  app.removeContentTypeParser("text/plain");
  useJsonBodyParser(app);
  app.decorateRequest("caller", null);
  app.decorateRequest("input", null);
  app.decorateRequest("access", null);
  app.decorateRequest("tokensInCookies", false);

  app.addHook("onRequest", async (_request, reply) => {
    metrics.requestStarted();
    // `close` follows both a finished response and an aborted one.
    reply.raw.once("close", () => metrics.requestFinished());
  });
  registerEdge(app, config);
  app.addHook("onResponse", async (request, reply) => {
    metrics.observeHttp(
      { method: request.method, route: request.routeOptions.url ?? "unmatched", status: reply.statusCode },
      reply.elapsedTime / 1_000,
    );
  });
  app.addHook("onClose", async () => {
    await Promise.all([jwks.close(), revoked.close(), accessCache.close()]);
  });
  app.setErrorHandler(sendProblem);
  app.setNotFoundHandler(notFoundHandler(methods));

  const own = deps.readiness ?? gatewayReadiness({ nats: deps.bus.nc, redis: deps.redis });
  servePlatformStatus(deps.bus, {
    own,
    platform: platformReadiness({ nats: deps.bus.nc, redis: deps.redis, upstream }),
  });
  registerSystemRoutes(app, {
    jwks,
    readiness: own,
    metrics: registry,
    onRegister: methods.add,
  });
  registerDocsRoutes(app, {
    document: buildOpenApiDocument(deps.routes),
    asyncApi: buildAsyncApiDocument(),
    onRegister: methods.add,
  });
  const keyPrefix = config.redisKeyPrefix;
  registerContractRoutes(app, {
    routes: deps.routes,
    upstream,
    revokedSessions: revoked,
    authenticate: authenticate(verify, revoked),
    guardFor: (route) => accessGuardFor(route, { cache: accessCache, contextOf: messageContextOf }),
    rateLimits: { limiter: createRateLimiter(deps.redis), budgets: config.rateLimits, keyPrefix, metrics },
    idempotency: {
      store: createIdempotencyStore(
        deps.redis,
        keyRingOrEphemeral(config.idempotencyKeys, "IDEMPOTENCY_KEYS", logger),
      ),
      keyPrefix,
      ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
      answerWithinMs: config.UPSTREAM_TIMEOUT_MS,
      outcomeWaitMs: config.IDEMPOTENCY_OUTCOME_WAIT_MS,
      metrics,
    },
    cookies: { refreshMaxAgeSeconds: config.REFRESH_COOKIE_MAX_AGE_SECONDS },
    bodyLimit: config.BODY_LIMIT_BYTES,
    onRegister: methods.add,
  });
  return app;
}
