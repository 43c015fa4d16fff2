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
