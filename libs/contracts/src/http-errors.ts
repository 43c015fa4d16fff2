import { TesseraError, type TesseraErrorOptions, UpstreamTimeoutError } from "./errors.ts";

/** Failures the gateway itself answers at the HTTP edge, before or instead of a service. */

/** A missing, malformed, forged or expired access token; the reason is never told to the caller. */
export class InvalidTokenError extends TesseraError {
  override name = "InvalidTokenError";
  constructor(options: TesseraErrorOptions = {}) {
    super("auth.invalid_token", 401, "The access token is missing, invalid or expired.", options);
  }
}

/** No route at this path; the detail never quotes the path, so nothing the client sent is reflected. */
export class RouteNotFoundError extends TesseraError {
  override name = "RouteNotFoundError";
  constructor(method: string, options: TesseraErrorOptions = {}) {
    super("route.not_found", 404, `No ${method} route matches the requested path.`, options);
  }
}

export class MethodNotAllowedError extends TesseraError {
  override name = "MethodNotAllowedError";
  readonly allow: readonly string[];
  constructor(method: string, path: string, allow: readonly string[], options: TesseraErrorOptions = {}) {
    super("route.method_not_allowed", 405, `${path} does not accept ${method}.`, options);
    this.allow = allow;
  }
}

export class MalformedJsonError extends TesseraError {
  override name = "MalformedJsonError";
  constructor(detail = "The request body is not valid JSON.", options: TesseraErrorOptions = {}) {
    super("request.malformed_json", 400, detail, options);
  }
}

/** A body of a type the route does not take: JSON on most routes, a raw route's own types on others. */
export class UnsupportedMediaTypeError extends TesseraError {
  override name = "UnsupportedMediaTypeError";
  /** `detail`: what the route takes instead, when it is not JSON. */
  constructor(options: TesseraErrorOptions & { detail?: string } = {}) {
    super(
      "request.unsupported_media_type",
      415,
      options.detail ?? "The request body must be application/json.",
      options,
    );
  }
}

export class PayloadTooLargeError extends TesseraError {
  override name = "PayloadTooLargeError";
  constructor(options: TesseraErrorOptions = {}) {
    super("request.too_large", 413, "The request body is larger than this route accepts.", options);
  }
}

/** Any other malformed HTTP request (bad Content-Length and the like). */
export class BadRequestError extends TesseraError {
  override name = "BadRequestError";
  constructor(detail: string, options: TesseraErrorOptions = {}) {
    super("request.invalid", 400, detail, options);
  }
}

/** A JSON body nested deeper than the gateway accepts (a parser and validator stack-exhaustion guard). */
export class JsonTooDeepError extends TesseraError {
  override name = "JsonTooDeepError";
  constructor(maxDepth: number, options: TesseraErrorOptions = {}) {
    super("request.too_deep", 400, `The JSON body is nested deeper than ${maxDepth} levels.`, options);
  }
}

/** A `Host` header outside the configured trusted hosts. */
export class UntrustedHostError extends TesseraError {
  override name = "UntrustedHostError";
  constructor(options: TesseraErrorOptions = {}) {
    super("request.untrusted_host", 400, "The Host header is not one this gateway serves.", options);
  }
}

/** Too many requests for the route's rate class; `retryAfterSeconds` goes into `Retry-After`. */
export class RateLimitedError extends TesseraError {
  override name = "RateLimitedError";
  constructor(retryAfterSeconds: number, options: TesseraErrorOptions = {}) {
    super("rate_limit.exceeded", 429, `Too many requests; retry in ${retryAfterSeconds} s.`, {
      ...options,
      retryAfterSeconds,
    });
  }
}

/** Redis could not decide a rate limit on a route that fails closed (the auth classes). */
export class RateLimiterUnavailableError extends TesseraError {
  override name = "RateLimiterUnavailableError";
  constructor(options: TesseraErrorOptions = {}) {
    super("rate_limit.unavailable", 503, "This route is briefly unavailable; retry shortly.", options);
  }
}

export class InvalidIdempotencyKeyError extends TesseraError {
  override name = "InvalidIdempotencyKeyError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "idempotency.invalid_key",
      400,
      "Idempotency-Key must be 1 to 255 printable ASCII characters.",
      options,
    );
  }
}

/** The same `Idempotency-Key` was used with another request body or path. */
export class IdempotencyKeyReusedError extends TesseraError {
  override name = "IdempotencyKeyReusedError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "idempotency.key_reused",
      422,
      "This Idempotency-Key was used with a different request body or path.",
      options,
    );
  }
}

/** A request with the same `Idempotency-Key` is still being processed. */
export class IdempotencyInFlightError extends TesseraError {
  override name = "IdempotencyInFlightError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "idempotency.in_flight",
      409,
      "A request with this Idempotency-Key is still in progress; retry shortly.",
      options,
    );
  }
}

/**
 * The first request with this `Idempotency-Key` will not be run again, but what it did cannot be
 * told: it never answered within the gateway's wait, or its stored outcome no longer opens.
 */
export class IdempotencyOutcomeUnknownError extends TesseraError {
  override name = "IdempotencyOutcomeUnknownError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "idempotency.outcome_unknown",
      409,
      "A request with this Idempotency-Key was made, but its outcome cannot be told (the service did not answer it in time, or its stored response can no longer be read). It is not run again with this key: check whether the change was made, and use a new key if it is still needed.",
      options,
    );
  }
}

/**
 * How a write that timed out may be retried: with the same key (the gateway keeps waiting for the
 * first attempt and answers the retry with its outcome), or, without one, only if a repeat is harmless.
 */
export type WriteRetry = "same-key" | "no-key" | "keys-not-accepted";

const WRITE_RETRY_ADVICE: Readonly<Record<WriteRetry, string>> = {
  "same-key":
    "Retrying with the same Idempotency-Key and body is safe: the retry answers with this request's outcome once it is known, and the change is not made twice.",
  "no-key":
    "The request had no Idempotency-Key, so a retry may make the change a second time: retry only if doing it twice is harmless, otherwise check the resource first. With an Idempotency-Key, a retry after a time-out is safe.",
  "keys-not-accepted": "A retry may make the change a second time: check the resource before retrying.",
};

/** 504 on a write: the service may still make the change, so the detail tells how to retry. */
export class WriteTimeoutError extends UpstreamTimeoutError {
  override name = "WriteTimeoutError";
  readonly retry: WriteRetry;
  constructor(subject: string, retry: WriteRetry, options: TesseraErrorOptions = {}) {
    super(subject, {
      ...options,
      detail: `The service behind ${subject} did not answer in time, so whether the change was made is unknown. ${WRITE_RETRY_ADVICE[retry]}`,
    });
    this.retry = retry;
  }
}

/** The caller is authenticated but may not use this route (platform admin, project role). */
export class AccessForbiddenError extends TesseraError {
  override name = "AccessForbiddenError";
  constructor(detail = "You may not use this route.", options: TesseraErrorOptions = {}) {
    super("auth.forbidden", 403, detail, options);
  }
}

/** A project that does not exist or that the caller is not a member of: the same 404, so ids do not leak. */
export class ProjectNotVisibleError extends TesseraError {
  override name = "ProjectNotVisibleError";
  constructor(options: TesseraErrorOptions = {}) {
    super("project.not_found", 404, "No such project.", options);
  }
}

/** An access token whose session has been revoked (logout, password change, refresh-token reuse). */
export class RevokedSessionTokenError extends TesseraError {
  override name = "RevokedSessionTokenError";
  constructor(options: TesseraErrorOptions = {}) {
    super("auth.session_revoked", 401, "The session of this access token has been revoked.", options);
  }
}

/** A cookie-authenticated mutating request without the matching `X-CSRF-Token`. */
export class CsrfTokenError extends TesseraError {
  override name = "CsrfTokenError";
  constructor(options: TesseraErrorOptions = {}) {
    super("auth.csrf_failed", 403, "X-CSRF-Token is missing or does not match the CSRF cookie.", options);
  }
}

/** Redis could not record an `Idempotency-Key`; the request is refused rather than run unprotected. */
export class IdempotencyUnavailableError extends TesseraError {
  override name = "IdempotencyUnavailableError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "idempotency.unavailable",
      503,
      "Idempotency keys cannot be checked right now; retry shortly.",
      options,
    );
  }
}

// Failures of the HTTP layer itself, before any route or service is involved; none crosses NATS.
// Their details never quote the request: its URL and headers are the attacker's bytes.

/** The URL, or one of its path segments, is longer than the gateway reads. */
export class UriTooLongError extends TesseraError {
  override name = "UriTooLongError";
  constructor(options: TesseraErrorOptions = {}) {
    super("request.uri_too_long", 414, "The URL is longer than this gateway accepts.", options);
  }
}

/** A path whose percent-encoding does not decode. */
export class MalformedUrlError extends TesseraError {
  override name = "MalformedUrlError";
  constructor(options: TesseraErrorOptions = {}) {
    super("request.malformed_url", 400, "The URL is not validly percent-encoded.", options);
  }
}

/** The request line and headers together exceed Node's header size limit. */
export class HeadersTooLargeError extends TesseraError {
  override name = "HeadersTooLargeError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "request.headers_too_large",
      431,
      "The request headers are larger than this gateway accepts.",
      options,
    );
  }
}

/** The headers, or the whole request with its body, did not arrive within the gateway's time-outs. */
export class RequestTimeoutError extends TesseraError {
  override name = "RequestTimeoutError";
  constructor(options: TesseraErrorOptions = {}) {
    super("request.timeout", 408, "The request did not arrive in time.", options);
  }
}

/** An `Expect` other than `100-continue`. */
export class ExpectationFailedError extends TesseraError {
  override name = "ExpectationFailedError";
  constructor(options: TesseraErrorOptions = {}) {
    super("request.expectation_failed", 417, "Only the expectation 100-continue is supported.", options);
  }
}

/** A JSON body declared in a charset other than UTF-8 (RFC 8259 allows no other). */
export class UnsupportedCharsetError extends TesseraError {
  override name = "UnsupportedCharsetError";
  constructor(options: TesseraErrorOptions = {}) {
    super("request.unsupported_charset", 415, "A JSON body must be encoded in UTF-8.", options);
  }
}

/** The gateway is shutting down; another replica (or this one, restarted) will answer. */
export class ShuttingDownError extends TesseraError {
  override name = "ShuttingDownError";
  constructor(options: TesseraErrorOptions = {}) {
    super("gateway.shutting_down", 503, "The gateway is shutting down; retry the request.", options);
  }
}

/** More open connections from one address than `HTTP_MAX_CONNECTIONS_PER_ADDRESS`. */
export class TooManyConnectionsError extends TesseraError {
  override name = "TooManyConnectionsError";
  constructor(options: TesseraErrorOptions = {}) {
    super(
      "rate_limit.connections",
      429,
      "Too many open connections from this address; reuse or close one.",
      options,
    );
  }
}
