export type { CatchUpPosition } from "./catch-up.ts";
export { type CatchUpLag, LAG_COUNT_CAP, type ReaderLag, readCatchUpLag } from "./catch-up-lag.ts";
export { type HandleOnceOptions, type HandleOnceResult, handleOnce } from "./consumer.ts";
export {
  type CommandResult,
  type CommandRunnerOptions,
  commandRunner,
  type Decider,
  type HandleCommandOptions,
  handleCommand,
} from "./decider.ts";
export {
  CheckpointMovedError,
  DuplicateEventIdError,
  EventStoreConfigError,
  ExpectedVersionConflictError,
  isUniqueViolation,
  MigrationFailedError,
  ProcessorStoppedError,
} from "./errors.ts";
export {
  type EventLike,
  type NewEvent,
  type StoredEvent,
  type StoredEventPosition,
  toEnvelope,
} from "./events.ts";
export { type DeciderExpectation, type DeciderScenario, given } from "./given.ts";
export {
  eventStoreMigrationStatus,
  type MigrationStatus,
  type MigrationsApplied,
  migrateEventStore,
  migrationStatus,
  type RunMigrationsOptions,
  runMigrations,
} from "./migrate.ts";
export {
  type AppendListener,
  type AppendListenerOptions,
  type AppendSignal,
  eventsChannel,
  listenForAppends,
} from "./notifications.ts";
export {
  createPersonalDataVault,
  type DeletePublishedCopies,
  ERASED_PLACEHOLDER,
  PersonalDataErasedError,
  type PersonalDataVault,
  type PersonalFields,
  SealedValueError,
} from "./personal-data.ts";
export {
  type EventStores,
  eventStores,
  type PersonalDataOptions,
  type PersonalDataPolicy,
  personalDataPolicy,
  type ReadModelPart,
  readModelPart,
  replayableReadModel,
  revealingPublisher,
  withPersonalData,
} from "./personal-store.ts";
export type { EventStoreLogger, RunningProcessor } from "./processor.ts";
export {
  type AsyncProjection,
  type AsyncProjectionOptions,
  type RebuildOptions,
  rebuildProjection,
  startAsyncProjection,
} from "./projection.ts";
export {
  type EventPublisher,
  OUTBOX_CHECKPOINT,
  type OutboxRelayOptions,
  type PublishedCopy,
  type RepublishOptions,
  republish,
  startOutboxRelay,
} from "./relay.ts";
export type { AnyDb, AnyTransaction } from "./schema.ts";
export {
  type AppendOptions,
  createEventStore,
  type EventStore,
  type ExpectedVersion,
  type InlineProjection,
  type StreamSlice,
} from "./store.ts";
