import { TesseraError, type TesseraErrorOptions } from "@tessera/contracts";

// Failures of the HTTP layer itself, before any route or service is involved. Only the gateway
// raises them and none crosses NATS. Their details never quote the request: its URL and headers
// are the attacker's bytes.

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
