import { TesseraError, type TesseraErrorOptions } from "@tessera/contracts";

/** The bus was called in a way that can never work (a bad name, serving another service's operation). */
export class BusUsageError extends TesseraError {
  override name = "BusUsageError";
  constructor(detail: string, options: TesseraErrorOptions = {}) {
    super("bus.usage", 500, detail, options);
  }
}

/** A reply arrived but is not the envelope the operation's contract promises. */
export class InvalidReplyError extends TesseraError {
  override name = "InvalidReplyError";
  constructor(subject: string, options: TesseraErrorOptions = {}) {
    super(
      "upstream.invalid_reply",
      502,
      `The service behind ${subject} sent a reply that breaks its contract.`,
      options,
    );
  }
}

/** JetStream did not confirm a publish (no stream, time-out, connection lost). */
export class PublishError extends TesseraError {
  override name = "PublishError";
  constructor(subject: string, options: TesseraErrorOptions = {}) {
    super("bus.publish_failed", 503, `JetStream did not acknowledge the message on ${subject}.`, options);
  }
}

/** A stream or consumer could not be created or brought up to date. */
export class ProvisionError extends TesseraError {
  override name = "ProvisionError";
  constructor(what: string, options: TesseraErrorOptions = {}) {
    super("bus.provision_failed", 503, `Could not provision ${what}.`, options);
  }
}

/**
 * A message's body was too large to send inline, and what was stored in its place cannot be read
 * back: already read, aged out, or JetStream is unavailable. The bytes between two services were
 * lost, so it is a bad gateway to the caller; a retry sends them anew.
 */
export class PayloadMissingError extends TesseraError {
  override name = "PayloadMissingError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "bus.payload_missing",
      502,
      "A message between services was too large to send inline, and its stored body is gone; retry the request.",
      options,
    );
  }
}

/** A message too large to send inline could not be stored out of band (JetStream unavailable or full). */
export class PayloadOffloadError extends TesseraError {
  override name = "PayloadOffloadError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "bus.offload_failed",
      503,
      "A message between services was too large to send inline and could not be stored; retry shortly.",
      options,
    );
  }
}

/** No dead letter of this service has that sequence in the DLQ (never there, replayed, or erased). */
export class DeadLetterNotFoundError extends TesseraError {
  override name = "DeadLetterNotFoundError";
  constructor(seq: number, options: TesseraErrorOptions = {}) {
    super("bus.dead_letter_not_found", 404, `No dead letter ${seq} of this service is in the DLQ.`, options);
  }
}
