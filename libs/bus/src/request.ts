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
import { NoReplyError, replyInboxOf } from "./reply-inbox.ts";

export interface RequestOptions {
  /** How long to wait for the reply, in ms. @default 5_000 */
  timeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;

/** Validates, sends with the caller's context in headers, and unwraps the reply envelope. */
export async function requestOperation<Op extends OperationDefinition>(
  nc: NatsConnection,
  names: BusNames,
  operation: Op,
  payload: z.input<Op["request"]>,
  ctx: MessageContext,
  opts: RequestOptions = {},
): Promise<z.output<Op["response"]>> {
  const request = operation.request.safeParse(payload);
  if (!request.success) {
    throw ValidationError.fromZod(request.error, `The request for ${operation.subject} is not valid.`);
  }
  let msg: Msg;
  try {
    msg = await replyInboxOf(nc).request(
      names.subject(operation.subject),
      JSON.stringify(request.data),
      headersFromContext(ctx),
      opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    );
  } catch (err) {
    throw translateRequestError(operation.subject, err);
  }
  return unwrapReply(operation, msg);
}

function translateRequestError(subject: string, err: unknown): unknown {
  if (!(err instanceof NoReplyError)) return err;
  if (err.reason === "timeout") return new UpstreamTimeoutError(subject, { cause: err });
  // No responders, or a closed connection: the same failure to a caller, nobody could answer.
  return new UpstreamUnavailableError(subject, { cause: err });
}

function unwrapReply<Op extends OperationDefinition>(operation: Op, msg: Msg): z.output<Op["response"]> {
  let body: unknown;
  try {
    body = msg.json();
  } catch (err) {
    throw new InvalidReplyError(operation.subject, { cause: err });
  }
  const reply = replySchema(operation.response).safeParse(body);
  if (!reply.success) throw new InvalidReplyError(operation.subject, { cause: reply.error });
  if (!reply.data.ok) throw new RemoteError(reply.data.error);
  return reply.data.data as z.output<Op["response"]>;
}
