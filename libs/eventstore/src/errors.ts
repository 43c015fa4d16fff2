import { ConflictError, TesseraError, type TesseraErrorOptions } from "@tessera/contracts";

/**
 * The stream was not at the version the caller decided on: reload, decide again, or answer 409.
 * What a client sees is the stable code and a detail without internal names; the stream and the
 * versions stay on the error's own fields, for logs.
 */
export class ExpectedVersionConflictError extends ConflictError {
  override name = "ExpectedVersionConflictError";
  readonly streamId: string;
  readonly expectedVersion: number | "any";
  /** The version found, when the store could read it (a concurrent writer may leave it unknown). */
  readonly actualVersion: number | undefined;

  constructor(
    streamId: string,
    expectedVersion: number | "any",
    options: TesseraErrorOptions & { actualVersion?: number } = {},
  ) {
    super(
      "conflict.concurrent_update",
      "This was changed by another request at the same time; send the request again.",
      options,
    );
    this.streamId = streamId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = options.actualVersion;
  }
}

/** An appended event reused an event id that is already stored. */
export class DuplicateEventIdError extends ConflictError {
  override name = "DuplicateEventIdError";
  readonly streamId: string;
  constructor(streamId: string, options: TesseraErrorOptions = {}) {
    super("eventstore.duplicate_event", "An event reuses the id of a stored event.", options);
    this.streamId = streamId;
  }
}

/** A programming error in how the store is configured (bad schema or projection name). */
export class EventStoreConfigError extends TesseraError {
  override name = "EventStoreConfigError";
  constructor(detail: string, options: TesseraErrorOptions = {}) {
    super("eventstore.config", 500, detail, options);
  }
}

/** A background processor (relay, projection) was stopped while someone waited on it. */
export class ProcessorStoppedError extends TesseraError {
  override name = "ProcessorStoppedError";
  constructor(processor: string, options: TesseraErrorOptions = {}) {
    super("eventstore.stopped", 503, `${processor} was stopped.`, options);
  }
}

/** A checkpoint moved under a processor that believed it was the only one moving it. */
export class CheckpointMovedError extends TesseraError {
  override name = "CheckpointMovedError";
  constructor(checkpoint: string, options: TesseraErrorOptions = {}) {
    super(
      "eventstore.checkpoint_moved",
      409,
      `The checkpoint ${checkpoint} was moved by someone else.`,
      options,
    );
  }
}

/** A migration failed; the message names it and carries Postgres's own reason (the cause). */
export class MigrationFailedError extends TesseraError {
  override name = "MigrationFailedError";
  constructor(schema: string, migration: string, options: TesseraErrorOptions & { cause: unknown }) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      "eventstore.migration_failed",
      500,
      `Migration ${migration} in ${schema} failed: ${reason}`,
      options,
    );
  }
}

/**
 * A Postgres unique violation (SQLSTATE 23505), of `constraint` when one is named: adapters turn it
 * into a domain error (an email taken, a name in use). The one test for it.
 */
export function isUniqueViolation(
  error: unknown,
  constraint?: string,
): error is { code: "23505"; constraint?: string } {
  if (typeof error !== "object" || error === null || !("code" in error) || error.code !== "23505")
    return false;
  return constraint === undefined || ("constraint" in error && error.constraint === constraint);
}
