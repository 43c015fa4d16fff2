import { z } from "zod";
import { TesseraError, type TesseraErrorOptions } from "./errors.ts";
import { SERVICES, type ServiceName } from "./messaging.ts";

/** The services behind the gateway; `/ready` pings each of them. */
export const PLATFORM_SERVICES: readonly Exclude<ServiceName, "api-gateway">[] = SERVICES.filter(
  (service): service is Exclude<ServiceName, "api-gateway"> => service !== "api-gateway",
);

/** The value of `x-api-version` on every gateway response. */
export const API_VERSION = "1";

export const HealthSchema = z.object({ status: z.literal("ok") });

export const ReadinessCheckSchema = z.object({ ok: z.boolean(), detail: z.string().optional() });
export type ReadinessCheck = z.infer<typeof ReadinessCheckSchema>;

/** `/ready`: 200 with `status: "ok"` when every check passed, 503 with `status: "unavailable"` otherwise. */
export const ReadinessSchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  checks: z.record(z.string(), ReadinessCheckSchema),
});
export type Readiness = z.infer<typeof ReadinessSchema>;

/** A missing, malformed, forged or expired access token; the reason is never told to the caller. */
export class InvalidTokenError extends TesseraError {
  override name = "InvalidTokenError";
  constructor(options: TesseraErrorOptions = {}) {
    super("auth.invalid_token", 401, "The access token is missing, invalid or expired.", options);
  }
}

export class RouteNotFoundError extends TesseraError {
  override name = "RouteNotFoundError";
  constructor(method: string, path: string, options: TesseraErrorOptions = {}) {
    super("route.not_found", 404, `No route matches ${method} ${path}.`, options);
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

export class UnsupportedMediaTypeError extends TesseraError {
  override name = "UnsupportedMediaTypeError";
  constructor(options: TesseraErrorOptions = {}) {
    super("request.unsupported_media_type", 415, "The request body must be application/json.", options);
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
