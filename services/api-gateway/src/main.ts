import { busInstruments, connectNats, createBus } from "@tessera/bus";
import { routes } from "@tessera/contracts";
import {
  createLogger,
  createMetrics,
  createShutdown,
  loadConfigOrExit,
  startErrorReporting,
  startOpsServer,
  startTelemetry,
} from "@tessera/service-kit";
import { buildGateway } from "./app/build-gateway.ts";
import { gatewayReadiness } from "./app/readiness.ts";
import { gatewayConfigSchema, gatewaySettings } from "./config.ts";
import { createRedis } from "./infra/redis.ts";

const SERVICE = "api-gateway";

const config = loadConfigOrExit(gatewayConfigSchema);
const errors = await startErrorReporting({ service: SERVICE, dsn: config.SENTRY_DSN });
const logger = createLogger({
  service: SERVICE,
  level: config.LOG_LEVEL,
  onError: (line) => errors.report(line),
});
const shutdown = createShutdown({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
shutdown.add("error reporting", () => errors.close());
const telemetry = startTelemetry({ service: SERVICE, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
shutdown.add("telemetry", () => telemetry.shutdown());

// Steps stop in reverse: HTTP first (no new requests, in-flight ones finish), then NATS, then Redis.
const redis = createRedis(config.REDIS_URL, logger);
shutdown.add("redis", async () => {
  await redis.quit();
});

const metrics = createMetrics({ service: SERVICE });
const nc = await connectNats({ servers: config.NATS_URL, name: SERVICE, logger });
const bus = createBus(nc, {
  service: SERVICE,
  namespace: config.BUS_NAMESPACE,
  logger,
  streamReplicas: config.NATS_STREAM_REPLICAS,
  // The operations the gateway answers itself (the platform status, its ping).
  instruments: busInstruments(metrics),
});
shutdown.add("nats", () => bus.close());

const readiness = gatewayReadiness({ nats: nc, redis });
// Added before the other steps, so it stops last: probes see the whole drain.
if (config.OPS_PORT !== undefined) {
  const ops = await startOpsServer({
    port: config.OPS_PORT,
    host: config.OPS_HOST,
    readiness,
    metrics,
    logger,
  });
  shutdown.add("ops server", () => ops.close());
}
const app = await buildGateway({
  bus,
  redis,
  logger,
  config: gatewaySettings(config),
  routes,
  metrics,
  readiness,
});
shutdown.add("http", () => app.close());
shutdown.listen();

await app.listen({ port: config.PORT, host: config.HOST });
