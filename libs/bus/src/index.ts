export { type Bus, type BusOptions, createBus } from "./bus.ts";
export { type ConnectNatsOptions, connectNats, redactServer, splitCredentials } from "./connect.ts";
export type { ConsumeOptions, Consumption, EventHandler, MessageHandler } from "./consume.ts";
export type { ConsumerLag } from "./consumer-lag.ts";
export { contextFromHeaders, headersFromContext } from "./context.ts";
export { DLQ_HEADER, deadLetter, describeError } from "./dead-letter.ts";
export type { DeadLetters } from "./dead-letters.ts";
export {
  BusUsageError,
  DeadLetterNotFoundError,
  InvalidReplyError,
  PayloadMissingError,
  PayloadOffloadError,
  ProvisionError,
  PublishError,
} from "./errors.ts";
export {
  type BusInstruments,
  busInstruments,
  type DeliveryOutcome,
  type MetricFactory,
  NO_BUS_INSTRUMENTS,
} from "./instruments.ts";
export type { BusLogger } from "./logger.ts";
export {
  type BusNames,
  busNames,
  DLQ_STREAM,
  deadLetterSubject,
  durableName,
  eventStreamName,
  eventStreamSubjects,
  JOBS_STREAM,
} from "./names.ts";
export {
  OFFLOAD_THRESHOLD_BYTES,
  PAYLOAD_BUCKET,
  PAYLOAD_MAX_AGE_MS,
  PAYLOAD_REF_HEADER,
} from "./offload.ts";
export { type ParsedMessage, parseMessage } from "./parse-message.ts";
export { DEFAULT_EVENT_MAX_AGE_MS, DUPLICATE_WINDOW_MS, type ProvisionOptions } from "./provision.ts";
export type { EventPublisher, EventPublisherOptions, PublishedCopy } from "./publisher.ts";
export {
  type PullConsumer,
  type PullConsumerDeps,
  type PullConsumerOptions,
  startPullConsumer,
} from "./pull-consumer.ts";
export { DEFAULT_REQUEST_TIMEOUT_MS, type RequestOptions } from "./request.ts";
export type { OperationHandler, ServeOptions } from "./serve.ts";
