import type { JsMsg } from "@nats-io/jetstream";
import type { Msg, MsgHdrs } from "@nats-io/nats-core";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  activeTraceparent,
  contextOfTraceparent,
  ERROR_CODE_ATTRIBUTE,
  type EventEnvelope,
  HEADER,
  inSpan,
  type MessageContext,
  type OperationDefinition,
  parentContext,
  pingOperation,
  type Reply,
} from "@tessera/contracts";
import type { EventPublisher } from "./publisher.ts";

/**
 * Spans for what the bus does, after OpenTelemetry's messaging conventions: request/reply is a
 * CLIENT span on the caller and a SERVER span on the responder, a JetStream publish a PRODUCER span,
 * a consumed message a CONSUMER span. The W3C `traceparent` header carries the context between
 * them. Only `@opentelemetry/api` is used: without an SDK registered (no OTLP endpoint) every span
 * is a no-op and the headers carry the caller's `traceparent` as before.
 */
const tracer = trace.getTracer("@tessera/bus");
const PING = pingOperation("auth").name;

/** Messaging semantic-convention attribute names (incubating in the conventions package). */
const ATTR = {
  system: "messaging.system",
  destination: "messaging.destination.name",
  operationName: "messaging.operation.name",
  operationType: "messaging.operation.type",
  messageId: "messaging.message.id",
  consumerGroup: "messaging.consumer.group.name",
  bodySize: "messaging.message.body.size",
  deliveryCount: "messaging.nats.message.delivery_count",
} as const;

/** Readiness pings, asked every few seconds by every gateway: like HTTP probes, they start no trace. */
function isProbe(operation: Pick<OperationDefinition, "name">): boolean {
  return operation.name === PING;
}

/** The CLIENT span of a request; `send` gets the context with the span's `traceparent` for the headers. */
export function tracedRequest<T>(
  operation: Pick<OperationDefinition, "name" | "subject">,
  ctx: MessageContext,
  send: (ctx: MessageContext) => Promise<T>,
): Promise<T> {
  if (isProbe(operation)) return send(ctx);
  const { subject } = operation;
  const attributes = {
    [ATTR.system]: "nats",
    [ATTR.destination]: subject,
    [ATTR.operationName]: "request",
    [ATTR.operationType]: "send",
  };
  return inSpan(
    tracer,
    `request ${subject}`,
    { kind: SpanKind.CLIENT, attributes, parent: parentContext(ctx.traceparent) },
    () => {
      const traceparent = activeTraceparent();
      return send(traceparent ? { ...ctx, traceparent } : ctx);
    },
  );
}

function headerTraceparent(hdrs: MsgHdrs | undefined): string | undefined {
  const value = hdrs?.get(HEADER.traceparent);
  return value === undefined || value === "" ? undefined : value;
}

/** The SERVER span of one answered request, child of the caller's span named in the headers. */
export function tracedServing(
  operation: Pick<OperationDefinition, "name" | "subject">,
  queue: string,
  msg: Msg,
  answer: () => Promise<void>,
): Promise<void> {
  if (isProbe(operation)) return answer();
  const { subject } = operation;
  return inSpan(
    tracer,
    `process ${subject}`,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR.system]: "nats",
        [ATTR.destination]: subject,
        [ATTR.operationName]: "process",
        [ATTR.operationType]: "process",
        [ATTR.consumerGroup]: queue,
        [ATTR.bodySize]: msg.data.length,
      },
      parent: contextOfTraceparent(headerTraceparent(msg.headers)),
    },
    answer,
  );
}

/** Marks the active serving span failed when the reply is a failure of the service (5xx). */
export function recordReply(reply: Reply<unknown>): void {
  if (reply.ok) return;
  const span = trace.getActiveSpan();
  if (!span?.isRecording()) return;
  span.setAttribute(ERROR_CODE_ATTRIBUTE, reply.error.code);
  if (reply.error.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: reply.error.code });
}

/**
 * The PRODUCER span of each JetStream publish, child of the active span (the relay's) or else of
 * the `traceparent` the event was appended under; the publisher puts this span's `traceparent`
 * in the message headers.
 */
export function tracedPublisher(
  publisher: EventPublisher,
  subjectOf: (type: string) => string,
): EventPublisher {
  return {
    publish: (envelope: EventEnvelope) =>
      inSpan(
        tracer,
        `publish ${subjectOf(envelope.type)}`,
        {
          kind: SpanKind.PRODUCER,
          attributes: {
            [ATTR.system]: "nats",
            [ATTR.destination]: subjectOf(envelope.type),
            [ATTR.operationName]: "publish",
            [ATTR.operationType]: "send",
            [ATTR.messageId]: envelope.eventId,
          },
          parent: parentContext(envelope.metadata.traceparent),
        },
        () => publisher.publish(envelope),
      ),
  };
}

/**
 * The CONSUMER span of one delivery, child of the publisher's span named in the headers (or of the
 * context's `traceparent`); the handler gets the context with this span's `traceparent`, so what it
 * appends or requests continues the trace.
 */
export function tracedHandling(
  consumer: string,
  msg: JsMsg,
  ctx: MessageContext,
  handle: (ctx: MessageContext) => Promise<void>,
): Promise<void> {
  const messageId = msg.headers?.get("Nats-Msg-Id");
  return inSpan(
    tracer,
    `process ${msg.subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [ATTR.system]: "nats",
        [ATTR.destination]: msg.subject,
        [ATTR.operationName]: "process",
        [ATTR.operationType]: "process",
        [ATTR.consumerGroup]: consumer,
        [ATTR.deliveryCount]: msg.info.deliveryCount,
        ...(messageId ? { [ATTR.messageId]: messageId } : {}),
      },
      parent: contextOfTraceparent(headerTraceparent(msg.headers) ?? ctx.traceparent),
    },
    () => {
      const traceparent = activeTraceparent();
      return handle(traceparent ? { ...ctx, traceparent } : ctx);
    },
  );
}
