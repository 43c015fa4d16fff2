import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import {
  type EventEnvelope,
  EventEnvelopeSchema,
  type MessageContext,
  type ServiceName,
  TesseraError,
} from "@tessera/contracts";
import { z } from "zod";
import type { WatchedConsumer } from "./consumer-lag.ts";
import { contextFromEnvelope, contextFromHeaders } from "./context.ts";
import { deadLetter, describeError } from "./dead-letter.ts";
import { BusUsageError } from "./errors.ts";
import type { BusInstruments, DeliveryOutcome } from "./instruments.ts";
import type { BusLogger } from "./logger.ts";
import { type BusNames, deadLetterSubject, isValidToken, JOBS_STREAM } from "./names.ts";
import { parseMessage } from "./parse-message.ts";
import { startPullConsumer } from "./pull-consumer.ts";
import { tracedHandling } from "./tracing.ts";

/** Handles one message; throwing retries with backoff, except a `ZodError` or `validation.failed`, dead-lettered at once. */
export type MessageHandler<T> = (payload: T, ctx: MessageContext, msg: JsMsg) => Promise<void>;
export type EventHandler = MessageHandler<EventEnvelope>;

interface ConsumerSettings {
  /** The consumer's purpose; the durable is `<service>--<name>`, dead letters go to `dlq.<service>.<name>`. */
  name: string;
  /** Whose event stream to read (a service name), or `"JOBS"`. */
  stream: ServiceName | typeof JOBS_STREAM;
  /** Subjects without namespace, e.g. `["evt.auth.account.registered"]`. More than one needs NATS 2.10. */
  filterSubjects: string[];
  /** Deliveries before a failing message is dead-lettered. @default 5 */
  maxDeliver?: number;
  /** Delay before redelivering after the n-th failure, in ms; the last value repeats. @default [1_000, 5_000, 15_000] */
  backoffMs?: number[];
  /** How long the server waits for an ack before redelivering, in ms; handlers heartbeat meanwhile. @default 30_000 */
  ackWaitMs?: number;
  /** Handlers running at once; 1 keeps the stream's order. @default 1 */
  concurrency?: number;
}

/** Messages are event envelopes; the context comes from the envelope's metadata, then the headers. */
interface EventMessages {
  schema?: undefined;
  handler: EventHandler;
}

/** Messages are JSON that `schema` parses; the context comes from the headers. */
interface SchemaMessages<T> {
  schema: z.ZodType<T>;
  handler: MessageHandler<T>;
}

/** A message that does not parse, or that fails `maxDeliver` times, is dead-lettered with the error and acked. */
export type ConsumeOptions<T = EventEnvelope> = ConsumerSettings & (EventMessages | SchemaMessages<T>);

export interface Consumption {
  /** Stops fetching, hands back what was fetched but not started, and waits for running handlers. */
  stop(): Promise<void>;
}

export interface ConsumeDeps {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly names: BusNames;
  readonly service: ServiceName;
  readonly logger: BusLogger;
  readonly instruments: BusInstruments;
}

type Decoded<T> =
  | { ok: true; payload: T; ctx: MessageContext; log: Record<string, unknown> }
  | { ok: false; error: string };

interface Delivery<T> {
  readonly decode: (msg: JsMsg) => Decoded<T>;
  readonly handler: MessageHandler<T>;
  readonly maxDeliver: number;
  readonly backoffMs: readonly number[];
  readonly dlqSubject: string;
  readonly log: { consumer: string };
}

const DEFAULT_BACKOFF_MS = [1_000, 5_000, 15_000];

/** Where a consumer reads, as JetStream names it (namespace applied). */
export function watchedConsumer(
  deps: Pick<ConsumeDeps, "names" | "service">,
  opts: Pick<ConsumerSettings, "name" | "stream" | "filterSubjects">,
): WatchedConsumer {
  return {
    consumer: opts.name,
    stream:
      opts.stream === JOBS_STREAM ? deps.names.stream(JOBS_STREAM) : deps.names.eventStream(opts.stream),
    durable: deps.names.durable(deps.service, opts.name),
    filterSubjects: opts.filterSubjects.map((subject) => deps.names.subject(subject)),
  };
}

export async function startConsumer<T>(deps: ConsumeDeps, opts: ConsumeOptions<T>): Promise<Consumption> {
  if (!isValidToken(opts.name)) throw new BusUsageError(`consumer name "${opts.name}" is not a valid token`);
  const { stream, durable, filterSubjects } = watchedConsumer(deps, opts);
  const common = {
    maxDeliver: opts.maxDeliver ?? 5,
    backoffMs: opts.backoffMs && opts.backoffMs.length > 0 ? opts.backoffMs : DEFAULT_BACKOFF_MS,
    dlqSubject: deps.names.subject(deadLetterSubject(deps.service, opts.name)),
    log: { consumer: durable },
  };
  const handle = measured(
    deps.instruments,
    opts.name,
    opts.schema === undefined
      ? deliver(deps, { ...common, decode: decodeEvent, handler: opts.handler })
      : deliver(deps, { ...common, decode: decodeWith(opts.schema), handler: opts.handler }),
  );
  return startPullConsumer(deps, {
    stream,
    durable,
    filterSubjects,
    ackWaitMs: opts.ackWaitMs ?? 30_000,
    maxDeliver: common.maxDeliver,
    concurrency: opts.concurrency ?? 1,
    handle,
  });
}

function decodeEvent(msg: JsMsg): Decoded<EventEnvelope> {
  const parsed = parseMessage(msg, EventEnvelopeSchema, "envelope");
  if (!parsed.ok) return parsed;
  const ctx = contextFromEnvelope(parsed.value, msg.headers);
  return {
    ok: true,
    payload: parsed.value,
    ctx,
    log: { requestId: ctx.requestId, eventId: parsed.value.eventId },
  };
}

function decodeWith<T>(schema: z.ZodType<T>): (msg: JsMsg) => Decoded<T> {
  return (msg) => {
    const parsed = parseMessage(msg, schema, "message");
    if (!parsed.ok) return parsed;
    const ctx = contextFromHeaders(msg.headers);
    return { ok: true, payload: parsed.value, ctx, log: { requestId: ctx.requestId } };
  };
}

/** Times each delivery and counts it by how it ended. */
function measured(
  instruments: BusInstruments,
  consumer: string,
  handle: (msg: JsMsg) => Promise<DeliveryOutcome>,
): (msg: JsMsg) => Promise<void> {
  return async (msg) => {
    const started = performance.now();
    const outcome = await handle(msg);
    instruments.delivered(consumer, outcome, (performance.now() - started) / 1_000);
  };
}

/** One delivery to its end: handled and acked, nak'd with the backoff, or dead-lettered and acked. */
function deliver<T>(deps: ConsumeDeps, d: Delivery<T>): (msg: JsMsg) => Promise<DeliveryOutcome> {
  return async (msg) => {
    const deliveries = msg.info.deliveryCount;
    const decoded = d.decode(msg);
    if (!decoded.ok) {
      deps.logger.error(
        { ...d.log, seq: msg.info.streamSequence, error: decoded.error },
        "message does not parse; dead-lettering",
      );
      return deadLetterAndAck(deps, d, msg, decoded.error);
    }
    const log = { ...d.log, ...decoded.log, seq: msg.info.streamSequence, deliveries };
    if (deliveries > d.maxDeliver) {
      return deadLetterAndAck(deps, d, msg, `delivered more than ${d.maxDeliver} times`);
    }
    try {
      await tracedHandling(d.log.consumer, msg, decoded.ctx, (ctx) => d.handler(decoded.payload, ctx, msg));
      msg.ack();
      return "acked";
    } catch (err) {
      if (isPermanent(err)) {
        deps.logger.error({ ...log, err }, "message data does not match its contract; dead-lettering");
        return deadLetterAndAck(deps, d, msg, describeError(err));
      }
      if (deliveries >= d.maxDeliver) {
        deps.logger.error({ ...log, err }, "handler failed on its last delivery; dead-lettering");
        return deadLetterAndAck(deps, d, msg, describeError(err));
      }
      const delay = d.backoffMs[Math.min(deliveries - 1, d.backoffMs.length - 1)] ?? 0;
      deps.logger.warn({ ...log, err, retryInMs: delay }, "handler failed; will retry");
      msg.nak(delay);
      return "retried";
    }
  };
}

/** A message whose data fails its contract will fail the same way on every delivery: no retries. */
function isPermanent(err: unknown): boolean {
  return err instanceof z.ZodError || (err instanceof TesseraError && err.code === "validation.failed");
}

async function deadLetterAndAck<T>(
  deps: ConsumeDeps,
  d: Delivery<T>,
  msg: JsMsg,
  reason: string,
): Promise<DeliveryOutcome> {
  try {
    await deadLetter(deps.js, d.dlqSubject, msg, reason);
    msg.ack();
    return "dead_lettered";
  } catch (publishError) {
    deps.logger.error(
      { ...d.log, err: publishError, seq: msg.info.streamSequence },
      "could not dead-letter; will retry",
    );
    msg.nak(d.backoffMs[0] ?? 1_000);
    return "retried";
  }
}
