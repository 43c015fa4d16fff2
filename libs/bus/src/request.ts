import type { Msg, NatsConnection } from "@nats-io/nats-core";
import {
  type MessageContext,
  type OperationDefinition,
  RemoteError,
  replySchema,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
  ValidationError,
} from "@tessera/contracts";
import type { z } from "zod";
import { headersFromContext } from "./context.ts";
import { InvalidReplyError } from "./errors.ts";
import type { BusNames } from "./names.ts";
import type { Payloads } from "./offload.ts";
import { NoReplyError, replyInboxOf } from "./reply-inbox.ts";

export interface RequestOptions {
  /** How long to wait for the reply, in ms. @default 5_000 */
  timeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

export interface RequestDeps {
  readonly nc: NatsConnection;
  readonly names: BusNames;
  readonly payloads: Payloads;
}

/** Validates, sends with the caller's context in headers, and unwraps the reply envelope. */
export async function requestOperation<Op extends OperationDefinition>(
  deps: RequestDeps,
  operation: Op,
  payload: z.input<Op["request"]>,
  ctx: MessageContext,
  opts: RequestOptions = {},
): Promise<z.output<Op["response"]>> {
  const request = operation.request.safeParse(payload);
  if (!request.success) {
    throw ValidationError.fromZod(request.error, `The request for ${operation.subject} is not valid.`);
  }
  const { payloads } = deps;
  const hdrs = headersFromContext(ctx);
  const json = JSON.stringify(request.data);
  const data = payloads.exceedsInline(json) ? await payloads.offload(json, hdrs) : json;
  let msg: Msg;
  try {
    msg = await replyInboxOf(deps.nc).request(
      deps.names.subject(operation.subject),
      data,
      hdrs,
      opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    );
  } catch (err) {
    // Nobody took the request, so nobody will read its body; after a time-out somebody still may.
    if (err instanceof NoReplyError && err.reason === "no-responders") payloads.discard(hdrs);
    throw translateRequestError(operation.subject, err);
  }
  const offloaded = payloads.isOffloaded(msg) ? await payloads.read(msg) : undefined;
  return unwrapReply(operation, msg, offloaded);
}

function translateRequestError(subject: string, err: unknown): unknown {
  if (!(err instanceof NoReplyError)) return err;
  if (err.reason === "timeout") return new UpstreamTimeoutError(subject, { cause: err });
  // No responders, or a closed connection: the same failure to a caller, nobody could answer.
  return new UpstreamUnavailableError(subject, { cause: err });
}

/** `offloaded`: the reply's body when it came through the object store. */
function unwrapReply<Op extends OperationDefinition>(
  operation: Op,
  msg: Msg,
  offloaded: string | undefined,
): z.output<Op["response"]> {
  let body: unknown;
  try {
    body = offloaded === undefined ? msg.json() : JSON.parse(offloaded);
  } catch (err) {
    throw new InvalidReplyError(operation.subject, { cause: err });
  }
  const reply = replySchema(operation.response).safeParse(body);
  if (!reply.success) throw new InvalidReplyError(operation.subject, { cause: reply.error });
  if (!reply.data.ok) throw new RemoteError(reply.data.error);
  return reply.data.data as z.output<Op["response"]>;
}
