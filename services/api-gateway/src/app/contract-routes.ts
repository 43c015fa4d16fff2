import {
  type FieldError,
  fieldErrorsFromZod,
  InternalError,
  type MessageContext,
  type RouteDefinition,
  ValidationError,
} from "@tessera/contracts";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { VerifiedCaller } from "../infra/access-tokens.ts";
import { traceparentOf } from "./request-id.ts";
import { toFastifyPath } from "./route-matcher.ts";
import type { Upstream } from "./upstream.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The verified caller on bearer routes; null on public ones. */
    caller: VerifiedCaller | null;
    /** The validated operation input: query, then body, then path parameters. */
    input: Record<string, unknown> | null;
  }
}

export interface ContractRouteDeps {
  readonly routes: readonly RouteDefinition[];
  readonly upstream: Upstream;
  /** `onRequest` hook verifying the access token of bearer routes. */
  readonly authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** Body limit for routes that do not set their own, in bytes. */
  readonly bodyLimit: number;
  /** Told about every registered method and path, for 405 answers. */
  readonly onRegister: (method: string, fastifyPath: string) => void;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value))
    : {};
}

function parsePart(
  schema: z.ZodType | undefined,
  value: unknown,
  errors: FieldError[],
): Record<string, unknown> | undefined {
  if (schema === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return asRecord(parsed.data);
  errors.push(...fieldErrorsFromZod(parsed.error));
  return undefined;
}

/** `preValidation`: every part the route declares is parsed with its zod schema; all issues are reported at once. */
function validateInput(route: RouteDefinition) {
  return async function validate(request: FastifyRequest): Promise<void> {
    const errors: FieldError[] = [];
    const query = parsePart(route.request.query, request.query, errors);
    const body = parsePart(route.request.body, request.body, errors);
    const params = parsePart(route.request.params, request.params, errors) ?? asRecord(request.params);
    if (errors.length > 0) throw new ValidationError("The request is not valid.", errors);
    request.input = { ...query, ...body, ...params };
  };
}

export function messageContextOf(request: FastifyRequest): MessageContext {
  const traceparent = traceparentOf(request.headers);
  const caller = request.caller;
  return {
    requestId: request.id,
    ...(traceparent ? { traceparent } : {}),
    ...(caller ? { actor: caller.userId } : {}),
    ...(caller && caller.roles.length > 0 ? { roles: caller.roles } : {}),
  };
}

/** Calls the route's operation and answers with its success status; a null response has no body. */
function dispatch(route: RouteDefinition, upstream: Upstream) {
  return async function forward(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const data = await upstream(route.operation, request.input ?? {}, messageContextOf(request));
    reply.code(route.successStatus);
    if (route.response === null) return reply.send();
    // What leaves the gateway is what the public contract promises, nothing a service added.
    const body = route.response.safeParse(data);
    if (!body.success) throw new InternalError({ cause: body.error });
    return reply.send(body.data);
  };
}

/** One Fastify route per contract route; rate limiting and idempotency will hook in here. */
export function registerContractRoutes(app: FastifyInstance, deps: ContractRouteDeps): void {
  for (const route of deps.routes) {
    const url = toFastifyPath(route.path);
    deps.onRegister(route.method, url);
    app.route({
      method: route.method,
      url,
      bodyLimit: route.bodyLimit ?? deps.bodyLimit,
      onRequest: route.auth === "bearer" ? [deps.authenticate] : [],
      preValidation: [validateInput(route)],
      handler: dispatch(route, deps.upstream),
    });
  }
}
