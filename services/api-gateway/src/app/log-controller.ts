import { type FastifyReply, type FastifyRequest, LogController } from "fastify";

/**
 * One line per finished request with method, route pattern, status, duration and (from the request's
 * child logger) the request id. No URL query, no headers: those may carry secrets.
 */
export class GatewayLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: "requestId" });
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime),
    };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }

  override routeNotFound(): void {}
}
