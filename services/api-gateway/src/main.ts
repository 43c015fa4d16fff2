import { connectNats, createBus } from "@tessera/bus";
import { routes } from "@tessera/contracts";
import {
  createLogger,
  createMetrics,
  createShutdown,
  loadConfigOrExit,
  startErrorReporting,
  startTelemetry,
} from "@tessera/service-kit";
import { buildGateway } from "./app/build-gateway.ts";
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

const nc = await connectNats({ servers: config.NATS_URL, name: SERVICE, logger });
const bus = createBus(nc, {
  service: SERVICE,
  namespace: config.BUS_NAMESPACE,
  logger,
  streamReplicas: config.NATS_STREAM_REPLICAS,
});
shutdown.add("nats", () => bus.close());

const app = await buildGateway({
  bus,
  redis,
  logger,
  config: gatewaySettings(config),
  routes,
  metrics: createMetrics({ service: SERVICE }),
});
shutdown.add("http", () => app.close());
shutdown.listen();

await app.listen({ port: config.PORT, host: config.HOST });
