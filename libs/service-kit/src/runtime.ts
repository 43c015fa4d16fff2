import { setTimeout as sleep } from "node:timers/promises";
import {
  type Bus,
  busInstruments,
  type ConsumeOptions,
  type Consumption,
  connectNats,
  createBus,
  ProvisionError,
} from "@tessera/bus";
import type { EventDefinition, ServiceName } from "@tessera/contracts";
import {
  type AppendSignal,
  type AsyncProjection,
  type EventStore,
  type EventStores,
  listenForAppends,
  migrateEventStore,
  type RunningProcessor,
  revealingPublisher,
  runMigrations,
  startOutboxRelay,
} from "@tessera/eventstore";
import { type Kysely, sql } from "kysely";
import type { Migration } from "kysely/migration";
import type { z } from "zod";
import { type BaseServiceConfig, baseServiceConfig, type DeepReadonly, loadConfigOrExit } from "./config.ts";
import { connectDatabase } from "./database.ts";
import { startErrorReporting } from "./error-reporting.ts";
import { catchUpLagGauges, consumerLagGauges } from "./lag-gauges.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { serveOps } from "./ops.ts";
import { type OpsServer, startOpsServer } from "./ops-server.ts";
import { contractPublisher } from "./publishing.ts";
import { createReadiness, type Readiness } from "./readiness.ts";
import { runUntilSignal } from "./shutdown.ts";
import { startTelemetry } from "./telemetry.ts";

/** Everything a service's handlers are built from, wired once by the runtime. */
export interface ServiceRuntime<Db = unknown> {
  readonly service: ServiceName;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** What `/readyz` checks (Postgres, NATS, started); a service adds its own dependencies. */
  readonly readiness: Readiness;
  /** The service's own schema, typed by its read models. */
  readonly db: Kysely<Db>;
  readonly bus: Bus;
  /** The service's event store on the pool; `stores.on(trx)` builds it on a transaction. */
  readonly store: EventStore;
  readonly stores: EventStores;
  /** Announces appends to the service's event store: give it to async projections so they need not poll. */
  readonly appended: AppendSignal;
  /** A durable consumer that waits for its source stream to exist (its owner may start later). */
  consume(options: ConsumeOptions): Promise<Consumption>;
  /**
   * `consume` without waiting: start-up goes on while the source stream is missing, and the
   * consumer starts once it appears. Stopping the service cancels the wait and stops the consumer.
   */
  consumeInBackground(options: ConsumeOptions): void;
  /** A stop step run at shutdown, before the connections close. */
  onStop(name: string, stop: () => Promise<void>): void;
}

export interface ServiceDefinition<Db = unknown> {
  service: ServiceName;
  /** The service's event store factory: the Postgres schema it owns and its personal-data policy. */
  stores: EventStores;
  /** The service's own read-model migrations (the event store tables come on their own). */
  migrations: Record<string, Migration>;
  /** Event contracts this service publishes; stored events of other types stay private. */
  publishes: readonly EventDefinition[];
  /** Registers the service's operations and consumers, in one place. */
  register(runtime: ServiceRuntime<Db>): Promise<void>;
  /** Read models the ops CLI may rebuild from the events (`svc.<service>.ops.projections.rebuild`); each needs `reset()`. */
  projections?: readonly AsyncProjection[];
}

export interface RunningService<Db = unknown> {
  readonly logger: Logger;
  readonly runtime: ServiceRuntime<Db>;
  /** The ops server (`/livez`, `/readyz`, `/metrics`), when `OPS_PORT` is set. */
  readonly ops: OpsServer | undefined;
  /** Stops taking work, finishes what is in flight, closes every connection. */
  stop(): Promise<void>;
}

/** Time each readiness check of `/readyz` may take, in ms. */
const READINESS_TIMEOUT_MS = 2_000;

const STREAM_WAIT_LOG_EVERY = 20;
const STREAM_WAIT_MS = 500;

/**
 * Config → logger → Postgres (migrations) → NATS (streams) → relay → operations and consumers → ping.
 * The same for every event-sourced service, so each `main.ts` only names its own parts.
 */
export async function startService<Db>(
  definition: ServiceDefinition<Db>,
  config: DeepReadonly<BaseServiceConfig>,
  options: { logger?: Logger } = {},
): Promise<RunningService<Db>> {
  const { service, stores } = definition;
  const { schema } = stores;
  const errors = await startErrorReporting({ service, dsn: config.SENTRY_DSN });
  const logger =
    options.logger ??
    createLogger({ service, level: config.LOG_LEVEL, onError: (line) => errors.report(line) });
  const metrics = createMetrics({ service });
  const stops: { name: string; stop: () => Promise<void> }[] = [
    { name: "error reporting", stop: () => errors.close() },
  ];
  // Aborted when stopping begins, before the bus drains, so background waits end quietly.
  const stopping = new AbortController();
  const stopAll = (): Promise<void> => {
    stopping.abort();
    return runStops(stops, logger);
  };
  let registered = false;
  const readiness = createReadiness({ checkTimeoutMs: READINESS_TIMEOUT_MS });
  // Not ready before every operation and consumer is registered, nor once stopping has begun.
  readiness.add({
    name: "service",
    check: async () => {
      if (stopping.signal.aborted) throw new Error("stopping");
      if (!registered) throw new Error("starting");
    },
  });
  // Up first and down last: a probe sees the whole start-up and the whole drain.
  const ops =
    config.OPS_PORT === undefined
      ? undefined
      : await startOpsServer({ port: config.OPS_PORT, host: config.OPS_HOST, readiness, metrics, logger });
  if (ops) stops.push({ name: "ops server", stop: () => ops.close() });
  const telemetry = startTelemetry({ service, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  stops.push({ name: "telemetry", stop: () => telemetry.shutdown() });
  const db = connectDatabase<Db>({
    url: config.DATABASE_URL,
    schema,
    onIdleError: (error) => logger.warn({ err: error }, "an idle Postgres connection failed; it is replaced"),
  });
  stops.push({ name: "postgres", stop: () => db.destroy() });
  readiness.add({
    name: "postgres",
    check: async () => {
      await sql`select 1`.execute(db);
    },
  });
  catchUpLagGauges(metrics, { db, schema, logger });
  try {
    await migrateEventStore(db, { schema });
    const { applied } = await runMigrations(db, { schema, migrations: definition.migrations });
    logger.info({ schema, applied }, "migrations applied");
    const nc = await connectNats({ servers: config.NATS_URL, name: service, logger });
    stops.push({ name: "nats", stop: () => nc.drain() });
    readiness.add({ name: "nats", check: () => nc.flush() });
    const bus = createBus(nc, {
      service,
      namespace: config.BUS_NAMESPACE,
      logger,
      streamReplicas: config.NATS_STREAM_REPLICAS,
      instruments: busInstruments(metrics),
    });
    consumerLagGauges(metrics, { bus, logger });
    await bus.provision();
    const store = stores.on(db);
    const appended = listenForAppends({ connectionString: config.DATABASE_URL, schema, logger });
    stops.push({ name: "event notifications", stop: () => appended.close() });
    const relay: RunningProcessor = startOutboxRelay({
      db,
      schema,
      logger,
      appended,
      // Personal fields are sealed in the store; reveal them before the contract strips `$sealed`.
      publisher: revealingPublisher(
        stores.vault(db),
        contractPublisher(bus.eventPublisher(), definition.publishes, logger),
        (copies) => bus.deletePublished(copies),
      ),
    });
    stops.push({ name: "outbox relay", stop: () => relay.stop() });
    const runtime: ServiceRuntime<Db> = {
      service,
      logger,
      metrics,
      readiness,
      db,
      bus,
      store,
      stores,
      appended,
      consume: (consumeOptions) => consumeWhenStreamExists(bus, consumeOptions, logger),
      consumeInBackground: (consumeOptions) => {
        const started = consumeWhenStreamExists(bus, consumeOptions, logger, stopping.signal).catch(
          (error: unknown) => {
            if (!stopping.signal.aborted) {
              logger.error({ err: error, consumer: consumeOptions.name }, "consumer did not start");
            }
            return undefined;
          },
        );
        stops.push({ name: `consumer ${consumeOptions.name}`, stop: async () => (await started)?.stop() });
      },
      onStop: (name, stop) => stops.push({ name, stop }),
    };
    await definition.register(runtime);
    serveOps({
      db,
      bus,
      logger,
      stores,
      migrations: definition.migrations,
      publishes: definition.publishes,
      projections: definition.projections ?? [],
    });
    bus.servePing(async () => (await readiness.run()).ready);
    // Once the flush returns the server holds every subscription, so a caller on another connection
    // never meets "no responders" after the service says it started.
    await nc.flush();
    registered = true;
    stops.push({ name: "bus", stop: () => bus.drain() });
    logger.info({ schema }, "service started");
    return { logger, runtime, ops, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Runs stop steps newest first; every step runs even when an earlier one fails. */
async function runStops(stops: { name: string; stop: () => Promise<void> }[], logger: Logger): Promise<void> {
  let failed: unknown;
  for (const { name, stop } of stops.splice(0).reverse()) {
    try {
      await stop();
    } catch (error) {
      logger.error({ err: error, step: name }, "stop step failed");
      failed ??= error;
    }
  }
  if (failed !== undefined) throw failed;
}

/** Retries while the source stream is missing; rejects with the signal's reason once it aborts. */
async function consumeWhenStreamExists(
  bus: Bus,
  options: ConsumeOptions,
  logger: Logger,
  signal?: AbortSignal,
): Promise<Consumption> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    try {
      return await bus.consume(options);
    } catch (error) {
      if (!(error instanceof ProvisionError)) throw error;
      const waiting = { consumer: options.name, stream: options.stream, attempt };
      // Usual at start-up, when the owner starts alongside: one quiet line. Still missing later: a warning.
      if (attempt === 1) logger.info(waiting, "waiting for the stream's owner to create it");
      else if (attempt % STREAM_WAIT_LOG_EVERY === 1)
        logger.warn({ ...waiting, err: error }, "still waiting for stream");
      await sleep(STREAM_WAIT_MS, undefined, { signal });
    }
  }
}

/**
 * The whole of a service's `main.ts`: parse the environment (one clear line and exit 1 when it is
 * wrong), start, and stop gracefully on SIGTERM/SIGINT.
 */
export async function runMain<S extends z.ZodType>(
  configSchema: S,
  start: (config: DeepReadonly<z.output<S>>) => Promise<{ logger: Logger; stop(): Promise<void> }>,
): Promise<void> {
  const config = loadConfigOrExit(configSchema);
  const running = await start(config);
  const { SHUTDOWN_TIMEOUT_MS } = baseServiceConfig.pick({ SHUTDOWN_TIMEOUT_MS: true }).parse(config);
  runUntilSignal({ logger: running.logger, timeoutMs: SHUTDOWN_TIMEOUT_MS, stop: running.stop });
}
