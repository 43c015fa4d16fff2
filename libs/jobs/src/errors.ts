import { TesseraError } from "@tessera/contracts";

/** An attempt ran past its job type's time-out. */
export class JobTimeoutError extends TesseraError {
  override name = "JobTimeoutError";
  constructor(timeoutMs: number) {
    super("job.timeout", 500, `The attempt did not finish within ${timeoutMs} ms.`);
  }
}

/** The run was cancelled while the attempt ran. */
export class JobCancelledError extends TesseraError {
  override name = "JobCancelledError";
  constructor(runId: string) {
    super("job.cancelled", 409, `Run ${runId} was cancelled.`);
  }
}

/** The worker is stopping and handed the attempt back to the stream. */
export class WorkerStoppingError extends TesseraError {
  override name = "WorkerStoppingError";
  constructor() {
    super("job.worker_stopping", 503, "The worker is stopping; the attempt was handed back.");
  }
}

/**
 * The attempt failed in a way worth trying again, and the far side said when (`Retry-After`): the
 * next attempt waits at least `afterMs`, or the policy's backoff when that is longer.
 */
export class RetryLaterError extends TesseraError {
  override name = "RetryLaterError";
  readonly afterMs: number;
  constructor(detail: string, afterMs: number, options: { cause?: unknown } = {}) {
    super("job.retry_later", 503, detail, options);
    this.afterMs = Math.max(0, afterMs);
  }
}
