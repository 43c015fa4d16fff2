import { ConflictError, NotFoundError } from "@tessera/contracts";

export class UnknownJobTypeError extends NotFoundError {
  override name = "UnknownJobTypeError";
  constructor(jobType: string) {
    super("job.unknown_type", `No running worker handles the job type "${jobType}".`);
  }
}

export class RunNotFoundError extends NotFoundError {
  override name = "RunNotFoundError";
  constructor(runId: string) {
    super("job.run_not_found", `Run ${runId} does not exist.`);
  }
}

export class RunNotCancellableError extends ConflictError {
  override name = "RunNotCancellableError";
  constructor(runId: string, status: string) {
    super("job.run_not_cancellable", `Run ${runId} is ${status} and cannot be cancelled.`);
  }
}

export class RunNotReplayableError extends ConflictError {
  override name = "RunNotReplayableError";
  constructor(runId: string, status: string) {
    super("job.run_not_replayable", `Run ${runId} is ${status}; only dead runs can be replayed.`);
  }
}

export class ScheduleNotFoundError extends NotFoundError {
  override name = "ScheduleNotFoundError";
  constructor(scheduleId: string) {
    super("job.schedule_not_found", `Schedule ${scheduleId} does not exist.`);
  }
}

export class ScheduleExistsError extends ConflictError {
  override name = "ScheduleExistsError";
  constructor(detail: string, options: { cause?: unknown } = {}) {
    super("job.schedule_exists", detail, options);
  }
}
