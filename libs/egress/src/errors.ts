import { TesseraError, type TesseraErrorOptions } from "@tessera/contracts";

/** Why a request was refused before anything was sent. */
export type EgressRefusalReason = "invalid_url" | "scheme" | "credentials" | "address";

/**
 * The guard refused the target before a byte of the request left: not an http(s) URL, credentials
 * in it, or an address that is not publicly routable and not allowed by the operator. The detail
 * never names the address a host name resolved to (that would map the internal network for a
 * tenant); the cause, for logs, does.
 */
export class EgressRefusedError extends TesseraError {
  override name = "EgressRefusedError";
  readonly reason: EgressRefusalReason;
  constructor(reason: EgressRefusalReason, detail: string, options: TesseraErrorOptions = {}) {
    super("egress.refused", 422, detail, options);
    this.reason = reason;
  }
}

/** Which deadline passed: opening the connection, or the whole exchange. */
export type EgressTimeoutPhase = "connect" | "total";

export class EgressTimeoutError extends TesseraError {
  override name = "EgressTimeoutError";
  readonly phase: EgressTimeoutPhase;
  constructor(phase: EgressTimeoutPhase, limitMs: number, options: TesseraErrorOptions = {}) {
    const detail =
      phase === "connect"
        ? `The target did not accept a connection within ${limitMs} ms.`
        : `The exchange with the target did not complete within ${limitMs} ms.`;
    super("egress.timeout", 504, detail, options);
    this.phase = phase;
  }
}

/** The connection could not be made or broke: refused, unresolvable name, reset, TLS, bad HTTP. */
export class EgressConnectionError extends TesseraError {
  override name = "EgressConnectionError";
  constructor(detail: string, options: TesseraErrorOptions = {}) {
    super("egress.connection_failed", 502, detail, options);
  }
}

export class EgressResponseTooLargeError extends TesseraError {
  override name = "EgressResponseTooLargeError";
  readonly limitBytes: number;
  constructor(limitBytes: number, options: TesseraErrorOptions = {}) {
    super(
      "egress.response_too_large",
      502,
      `The target's response is larger than ${limitBytes} bytes.`,
      options,
    );
    this.limitBytes = limitBytes;
  }
}
