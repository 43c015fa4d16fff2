import { z } from "zod";
import { text, url } from "./scalars.ts";

export const FieldErrorSchema = z.object({ field: text(), message: text() }).meta({ id: "FieldError" });
export type FieldError = z.infer<typeof FieldErrorSchema>;

/** RFC 9457 problem details, extended with a stable machine `code` and the request id. */
export const ProblemSchema = z
  .object({
    type: text(),
    title: text(),
    status: z.number().int().min(400).max(599),
    detail: text(),
    instance: text(),
    code: text(),
    requestId: text(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .meta({ id: "Problem" });
export type Problem = z.infer<typeof ProblemSchema>;

/** Problem details as a service sends them over NATS: the gateway fills in `instance` and `requestId`. */
export const RemoteProblemSchema = ProblemSchema.partial({
  instance: true,
  requestId: true,
  type: true,
}).extend({
  /** Seconds before trying again (a throttled request); the gateway sends it as `Retry-After`. */
  retryAfterSeconds: z.number().int().positive().optional(),
  /**
   * Where a browser navigation goes instead of seeing this problem (routes answered with a
   * redirect): the gateway answers 302 there, with the code as `error` in the query.
   */
  location: url().optional(),
});
export type RemoteProblem = z.infer<typeof RemoteProblemSchema>;

const TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function titleForStatus(status: number): string {
  return TITLES[status] ?? "Error";
}

export interface TesseraErrorOptions {
  cause?: unknown;
  errors?: FieldError[];
  /** Seconds before the caller may try again; becomes `Retry-After` at the gateway. */
  retryAfterSeconds?: number;
  /** For a browser navigation: where to send it with this error (see RemoteProblem's `location`). */
  location?: string;
}

/**
 * Base of every expected failure. The stable `code` and the HTTP `status` live on the error,
 * so the gateway maps every error to problem+json in one place.
 */
export class TesseraError extends Error {
  override name = "TesseraError";
  readonly code: string;
  readonly status: number;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly location: string | undefined;

  constructor(code: string, status: number, detail: string, options: TesseraErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = status;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.location = options.location;
  }

  /** The same failure, for a browser navigation that should land on `location` with it. */
  redirecting(location: string): TesseraError {
    return new TesseraError(this.code, this.status, this.message, {
      cause: this,
      ...(this.errors ? { errors: this.errors } : {}),
      ...(this.retryAfterSeconds ? { retryAfterSeconds: this.retryAfterSeconds } : {}),
      location,
    });
  }

  toRemoteProblem(): RemoteProblem {
    return {
      title: titleForStatus(this.status),
      status: this.status,
      detail: this.message,
      code: this.code,
      ...(this.errors ? { errors: this.errors } : {}),
      ...(this.retryAfterSeconds ? { retryAfterSeconds: this.retryAfterSeconds } : {}),
      ...(this.location ? { location: this.location } : {}),
    };
  }
}

export class ValidationError extends TesseraError {
  override name = "ValidationError";
  constructor(detail: string, errors: FieldError[], options: TesseraErrorOptions = {}) {
    super("validation.failed", 400, detail, { ...options, errors });
  }

  static fromZod(error: z.ZodError, detail = "The request is not valid."): ValidationError {
    return new ValidationError(detail, fieldErrorsFromZod(error));
  }
}

export class NotFoundError extends TesseraError {
  override name = "NotFoundError";
  constructor(code: string, detail: string, options: TesseraErrorOptions = {}) {
    super(code, 404, detail, options);
  }
}

export class ConflictError extends TesseraError {
  override name = "ConflictError";
  constructor(code: string, detail: string, options: TesseraErrorOptions = {}) {
    super(code, 409, detail, options);
  }
}

export class UnauthorizedError extends TesseraError {
  override name = "UnauthorizedError";
  constructor(code: string, detail: string, options: TesseraErrorOptions = {}) {
    super(code, 401, detail, options);
  }
}

export class ForbiddenError extends TesseraError {
  override name = "ForbiddenError";
  constructor(code: string, detail: string, options: TesseraErrorOptions = {}) {
    super(code, 403, detail, options);
  }
}

export class UpstreamTimeoutError extends TesseraError {
  override name = "UpstreamTimeoutError";
  /** `detail`: what the caller should know beyond the time-out (see `WriteTimeoutError`). */
  constructor(subject: string, options: TesseraErrorOptions & { detail?: string } = {}) {
    const detail = options.detail ?? `The service behind ${subject} did not answer in time.`;
    super("upstream.timeout", 504, detail, options);
  }
}

export class UpstreamUnavailableError extends TesseraError {
  override name = "UpstreamUnavailableError";
  constructor(subject: string, options: TesseraErrorOptions = {}) {
    super("upstream.unavailable", 503, `No service is answering ${subject}.`, options);
  }
}

/** A typed failure reported by another service over NATS, rebuilt on the caller's side. */
export class RemoteError extends TesseraError {
  override name = "RemoteError";
  constructor(problem: RemoteProblem, options: TesseraErrorOptions = {}) {
    super(problem.code, problem.status, problem.detail, {
      ...options,
      errors: problem.errors,
      retryAfterSeconds: problem.retryAfterSeconds,
      location: problem.location,
    });
  }
}

export class InternalError extends TesseraError {
  override name = "InternalError";
  constructor(options: TesseraErrorOptions = {}) {
    super("internal.error", 500, "An unexpected error occurred.", options);
  }
}

export function fieldErrorsFromZod(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(printable).join(".") : "(root)",
    message: issue.message,
  }));
}

/** A path segment as it can travel back: a key the request gave may hold what cannot (NUL, a lone surrogate). */
function printable(segment: PropertyKey): string {
  return String(segment).toWellFormed().replaceAll("\u0000", "\uFFFD");
}

/** Every failure, expected or not, as problem details; unexpected errors leak nothing. */
export function problemFromError(error: unknown, at: { instance: string; requestId: string }): Problem {
  const known = error instanceof TesseraError ? error : new InternalError({ cause: error });
  return {
    type: `https://tessera.dev/problems/${known.code.replaceAll(".", "/")}`,
    title: titleForStatus(known.status),
    status: known.status,
    detail: known.message,
    instance: at.instance,
    code: known.code,
    requestId: at.requestId,
    ...(known.errors ? { errors: known.errors } : {}),
  };
}
