import {
  BadRequestError,
  MalformedJsonError,
  MalformedUrlError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  problemFromError,
  RouteNotFoundError,
  ShuttingDownError,
  TesseraError,
  UnsupportedMediaTypeError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  UriTooLongError,
} from "@tessera/contracts";
import type { FastifyReply, FastifyRequest } from "fastify";
import { pathOf } from "./request-id.ts";
import { type MethodIndex, toOpenApiPath } from "./route-matcher.ts";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The `instance` of a problem no route template describes: it names the request, quoting nothing of it. */
export function requestInstance(requestId: string): string {
  return `urn:tessera:request:${requestId}`;
}

/**
 * A problem's `instance`: the matched route's template (`/v1/projects/{projectId}`), never the URL
 * the client sent, so no attacker-chosen bytes come back; the request's URN when no route matched.
 */
function instanceOf(request: FastifyRequest): string {
  const template = request.routeOptions.url;
  return template === undefined ? requestInstance(request.id) : toOpenApiPath(template);
}

function fastifyErrorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function fastifyErrorStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("statusCode" in error)) return undefined;
  return typeof error.statusCode === "number" ? error.statusCode : undefined;
}

/**
 * Fastify's own failures (body parsing, content type, size) as Tessera errors, so they leave the
 * gateway with the same stable codes as everything else. Anything unrecognised stays unknown and
 * becomes a 500 that leaks nothing.
 */
export function toTesseraError(error: unknown): TesseraError | undefined {
  if (error instanceof TesseraError) return error;
  const code = fastifyErrorCode(error);
  switch (code) {
    case "FST_ERR_BAD_URL":
      return new MalformedUrlError({ cause: error });
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new UriTooLongError({ cause: error });
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new UnsupportedMediaTypeError({ cause: error });
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new PayloadTooLargeError({ cause: error });
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new MalformedJsonError(undefined, { cause: error });
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new MalformedJsonError("The request body is empty but its content type is JSON.", {
        cause: error,
      });
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new BadRequestError("Content-Length does not match the body.", { cause: error });
    // Node's `aborted`: the body stopped (a client gone, or cut off by the request time-out).
    case "ECONNRESET":
      return new BadRequestError("The connection closed before the request body arrived.", { cause: error });
  }
  const status = fastifyErrorStatus(error);
  if (code?.startsWith("FST_") && status !== undefined && status >= 400 && status < 500) {
    return new TesseraError("request.invalid", status, "The request could not be read.", { cause: error });
  }
  return undefined;
}

/** The one place where a failure becomes a response: problem+json, logged by kind. */
export function sendProblem(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  instance: string = instanceOf(request),
): FastifyReply {
  const known = toTesseraError(error);
  const problem = problemFromError(known ?? error, { instance, requestId: request.id });
  if (known instanceof UpstreamTimeoutError || known instanceof UpstreamUnavailableError) {
    request.log.warn({ code: known.code, detail: known.message }, "upstream failure");
  } else if (known instanceof ShuttingDownError) {
    request.log.info({ code: known.code }, "request refused while shutting down");
  } else if (known === undefined || known.status >= 500) {
    // The caller sees a bare 500; the cause is here, under the request id.
    request.log.error({ err: error, code: problem.code, route: request.routeOptions.url }, "request failed");
  }
  if (known instanceof MethodNotAllowedError) reply.header("allow", known.allow.join(", "));
  // Rate limits here and throttles in services (auth's login delays) alike.
  if (known?.retryAfterSeconds !== undefined) reply.header("retry-after", String(known.retryAfterSeconds));
  return reply.code(problem.status).header("content-type", PROBLEM_CONTENT_TYPE).send(problem);
}

/**
 * Unknown paths are 404 `route.not_found`; a known path asked with another method is 405 with
 * `Allow`. Neither quotes the path: the 405 names the route's template, the 404 nothing (the method
 * is safe to name, Node's parser accepts only the methods it knows).
 */
export function notFoundHandler(methods: MethodIndex) {
  return async function routeNotFound(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const known = methods.match(pathOf(request.url));
    if (known === undefined) {
      return sendProblem(new RouteNotFoundError(request.method), request, reply);
    }
    const template = toOpenApiPath(known.template);
    return sendProblem(
      new MethodNotAllowedError(request.method, template, known.allow),
      request,
      reply,
      template,
    );
  };
}
