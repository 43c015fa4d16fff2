export { type BootReport, bootReport } from "./boot-report.ts";
export { busMessagesMentioning } from "./bus-scan.ts";
export { CLI_ENTRY, type CliResult, runCliProcess } from "./cli.ts";
export {
  createKysely,
  createTestDatabase,
  TEST_DATABASE_URL,
  TEST_NATS_URL,
  TEST_REDIS_URL,
  type TestDatabase,
  testNamespace,
} from "./database.ts";
export { eventually } from "./eventually.ts";
export {
  type InProcessOptions,
  type InProcessService,
  startInProcess,
  testServiceEnv,
} from "./in-process.ts";
export {
  natsServerBinary,
  type PrivateNatsServer,
  type PrivateNatsServerOptions,
  startNatsServer,
} from "./nats-server.ts";
export { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";
export {
  lintExposition,
  lintFamily,
  type MetricFamily,
  metricValue,
  parseExposition,
  type Series,
  scrapeMetrics,
} from "./prometheus.ts";
export { refusal } from "./refusal.ts";
export { freePort, type Stack, type StackOptions, startStack } from "./stack.ts";
export {
  type EventuallyOptions,
  type HttpMethod,
  type StackClient,
  stackClient,
  TEST_PASSWORD,
  uniqueEmail,
} from "./stack-client.ts";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.ts";
export {
  isLoopbackUrl,
  planTestServers,
  type ServerProbe,
  TEST_SERVERS,
  type TestServer,
  type TestServerPlan,
} from "./test-servers.ts";
