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
