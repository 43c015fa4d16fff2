export { childTraceparent, newTraceparent, traceIdOf } from "@tessera/contracts";
export {
  type AesKey,
  type AesKeyRing,
  AesKeyRingConfigSchema,
  ephemeralAesKey,
  keyRing,
  keyRingOrEphemeral,
  openSecret,
  parseAesKey,
  parseAesKeyRing,
  type SealedSecret,
  SecretUnreadableError,
  sealSecret,
} from "./aes-gcm.ts";
export {
  type BaseServiceConfig,
  baseServiceConfig,
  ConfigError,
  type DeepReadonly,
  type Env,
  loadConfigOrExit,
  parseConfig,
} from "./config.ts";
export {
  connectDatabase,
  createdAfter,
  createdBefore,
  createdCursorOfRow,
  type DatabaseOptions,
} from "./database.ts";
export { type ErrorReporter, type ErrorReportingOptions, startErrorReporting } from "./error-reporting.ts";
export { catchUpLagGauges, consumerLagGauges } from "./lag-gauges.ts";
export {
  createLogger,
  type ErrorLogLine,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  REDACTED_KEYS,
  REDACTION_CENSOR,
  redactionPaths,
  redactSecrets,
} from "./logger.ts";
export { createMetrics, type Metrics, type MetricsOptions } from "./metrics.ts";
export { OPS_PATHS, type OpsServer, type OpsServerOptions, startOpsServer } from "./ops-server.ts";
export {
  type PollingWorker,
  type PollingWorkerOptions,
  startPollingWorker,
  steppedDelayMs,
} from "./polling-worker.ts";
export { contractPublisher } from "./publishing.ts";
export {
  type CheckResult,
  createReadiness,
  type Readiness,
  type ReadinessCheck,
  type ReadinessOptions,
  type ReadinessReport,
} from "./readiness.ts";
export {
  type Caller,
  callerOf,
  eventMetadata,
  type MetadataOverrides,
  requirePlatformAdmin,
  requireSystem,
  requireUser,
  scopedProject,
  systemActor,
  systemContext,
  userOrNull,
} from "./request.ts";
export {
  type RunningService,
  runMain,
  type ServiceDefinition,
  type ServiceRuntime,
  startService,
} from "./runtime.ts";
export { type ScrapedGauge, type ScrapedGaugesOptions, scrapedGauges } from "./scraped-gauges.ts";
export {
  createShutdown,
  type RunUntilSignalOptions,
  runUntilSignal,
  type Shutdown,
  type ShutdownOptions,
} from "./shutdown.ts";
export { startTelemetry, type Telemetry, type TelemetryOptions } from "./telemetry.ts";
