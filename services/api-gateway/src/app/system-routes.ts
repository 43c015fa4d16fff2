import type { Readiness } from "@tessera/contracts";
import type { Metrics, Readiness as ReadinessRegistry } from "@tessera/service-kit";
import type { FastifyInstance, RouteHandlerMethod } from "fastify";
import type { JwksStore } from "../infra/jwks-store.ts";

export interface SystemRouteDeps {
  readonly jwks: JwksStore;
  readonly readiness: ReadinessRegistry;
  readonly metrics: Metrics;
  /** Told about every registered method and path, for 405 answers. */
  readonly onRegister: (method: string, path: string) => void;
}

/** Public JWKS: shared caches may keep it for five minutes; `auth` publishes new keys before using them. */
const JWKS_CACHE_CONTROL = "public, max-age=300";

/** Liveness, readiness, metrics and the public keys: everything the gateway answers without a service. */
export function registerSystemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  const get = (url: string, handler: RouteHandlerMethod) => {
    deps.onRegister("GET", url);
    app.get(url, handler);
  };

  get("/health", async () => ({ status: "ok" }));

  get("/ready", async (_request, reply) => {
    const { ready, checks } = await deps.readiness.run();
    const body: Readiness = { status: ready ? "ok" : "unavailable", checks };
    return reply
      .code(ready ? 200 : 503)
      .header("cache-control", "no-store")
      .send(body);
  });

  get("/metrics", async (_request, reply) => {
    const text = await deps.metrics.render();
    return reply.header("content-type", deps.metrics.contentType).send(text);
  });

  get("/.well-known/jwks.json", async (_request, reply) => {
    const jwks = deps.jwks.publicJwks();
    // Until `auth` has published keys, say so without letting anyone cache the empty set.
    if (jwks === null) return reply.header("cache-control", "no-store").send({ keys: [] });
    return reply.header("cache-control", JWKS_CACHE_CONTROL).send(jwks);
  });
}
