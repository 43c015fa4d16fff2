import {
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
  type Subscription,
} from "@nats-io/nats-core";
import {
  activeTraceparent,
  HEADER,
  InternalError,
  type MessageContext,
  newTraceparent,
  type OperationDefinition,
  type Reply,
  TesseraError,
  ValidationError,
} from "@tessera/contracts";
import type { z } from "zod";
import { contextFromHeaders } from "./context.ts";
import type { InFlight } from "./in-flight.ts";
import type { BusInstruments } from "./instruments.ts";
import type { BusLogger } from "./logger.ts";
import type { BusNames } from "./names.ts";
import type { Payloads } from "./offload.ts";
import { recordReply, tracedServing } from "./tracing.ts";

export type OperationHandler<Op extends OperationDefinition> = (
  request: z.output<Op["request"]>,
  ctx: MessageContext,
) => Promise<z.input<Op["response"]>>;

export interface ServeOptions {
  /** Queue group the replicas share. @default the bus's service name */
  queue?: string;
}

export interface ServeDeps {
  readonly nc: NatsConnection;
  readonly names: BusNames;
  readonly service: string;
  readonly logger: BusLogger;
  readonly inFlight: InFlight;
  readonly payloads: Payloads;
  readonly instruments: BusInstruments;
}

/** Subscribes one operation in the service's queue group; each request runs as a tracked task. */
export function serveOperation<Op extends OperationDefinition>(
  deps: ServeDeps,
  operation: Op,
  handler: OperationHandler<Op>,
  opts: ServeOptions = {},
): Subscription {
  return deps.nc.subscribe(deps.names.subject(operation.subject), {
    queue: opts.queue ?? deps.service,
    callback: (err, msg) => {
      if (err) {
        deps.logger.error({ err, subject: operation.subject }, "subscription failed");
        return;
      }
      // Errors are turned into replies inside; this catch is only for a failed `respond`.
      const serving = tracedServing(operation, opts.queue ?? deps.service, msg, () =>
        answer(deps, operation, handler, msg),
      );
      deps.inFlight.track(serving).catch((error: unknown) => {
        deps.logger.error({ err: error, subject: operation.subject }, "could not reply");
      });
    },
  });
}

async function answer<Op extends OperationDefinition>(
  deps: ServeDeps,
  operation: Op,
  handler: OperationHandler<Op>,
  msg: Msg,
): Promise<void> {
  const received = contextFromHeaders(msg.headers);
  const ctx: MessageContext = {
    ...received,
    traceparent: activeTraceparent() ?? received.traceparent ?? newTraceparent(),
  };
  const started = performance.now();
  const reply = await replyFor(deps, operation, handler, msg, ctx);
  recordReply(reply);
  const seconds = (performance.now() - started) / 1_000;
  deps.instruments.served(operation.subject, reply.ok ? "ok" : reply.error.code, seconds);
  const hdrs = natsHeaders();
  hdrs.set(HEADER.requestId, ctx.requestId);
  const log = { requestId: ctx.requestId, subject: operation.subject };
  const json = JSON.stringify(reply);
  const data = deps.payloads.exceedsInline(json) ? await offloadReply(deps, json, hdrs, log) : json;
  if (!msg.respond(data, { headers: hdrs })) {
    deps.payloads.discard(hdrs);
    deps.logger.warn(log, "request had no reply subject");
  }
  deps.logger.debug({ ...log, ok: reply.ok, durationMs: Math.round(performance.now() - started) }, "served");
}

async function replyFor<Op extends OperationDefinition>(
  deps: ServeDeps,
  operation: Op,
  handler: OperationHandler<Op>,
  msg: Msg,
  ctx: MessageContext,
): Promise<Reply<unknown>> {
  const log = { requestId: ctx.requestId, subject: operation.subject };
  let body: unknown;
  try {
    if (deps.payloads.isOffloaded(msg)) body = JSON.parse(await deps.payloads.read(msg));
    else body = msg.data.length === 0 ? {} : msg.json();
  } catch (err) {
    if (!(err instanceof TesseraError))
      return failure(new ValidationError("The request is not valid JSON.", []));
    deps.logger.warn({ ...log, err }, "could not read an offloaded request");
    return failure(err);
  }
  const request = operation.request.safeParse(body);
  if (!request.success) return failure(ValidationError.fromZod(request.error));
  let result: unknown;
  try {
    // Parsed by the operation's own schema; TypeScript cannot follow that through the generic.
    result = await handler(request.data as z.output<Op["request"]>, ctx);
  } catch (err) {
    if (err instanceof TesseraError) {
      if (err.status >= 500) deps.logger.error({ ...log, err }, "handler failed");
      else deps.logger.debug({ ...log, code: err.code }, "handler refused the request");
      return failure(err);
    }
    deps.logger.error({ ...log, err }, "handler threw an unexpected error");
    return failure(new InternalError({ cause: err }));
  }
  const response = operation.response.safeParse(result);
  if (!response.success) {
    deps.logger.error(
      { ...log, issues: response.error.issues },
      "handler response breaks the operation contract",
    );
    return failure(new InternalError({ cause: response.error }));
  }
  return { ok: true, data: response.data };
}

/** A reply too large for one message, offloaded; if that fails, the failure is the reply. */
async function offloadReply(
  deps: ServeDeps,
  json: string,
  hdrs: MsgHdrs,
  log: object,
): Promise<string | Uint8Array> {
  try {
    return await deps.payloads.offload(json, hdrs);
  } catch (err) {
    deps.logger.error({ ...log, err }, "could not offload a large reply");
    return JSON.stringify(failure(err instanceof TesseraError ? err : new InternalError({ cause: err })));
  }
}

function failure(error: TesseraError): Reply<never> {
  return { ok: false, error: error.toRemoteProblem() };
}
